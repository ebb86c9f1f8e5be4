// The documented API on Express 4, as an Express developer writes it.
//
// Express does the HTTP: `app.route()` per path with `.all()` answering 405 with `Allow`
// (Express has no 405 of its own), HEAD served by the GET handler, `req.accepts('json')`
// for 406, a JSON 404 for unmatched paths and a JSON error handler, as Express's guide
// shows ("Error handling"). Data and tokens: the mock's data file.
//
// Defects (--defect), one at a time, as Express apps ship them:
// - no_405: no `.all()` handler, so PUT and friends fall through to the 404 handler.
// - truthy_query: `if (req.query.include_cats)`: the string "false" is truthy.
'use strict';

const fs = require('fs');
const path = require('path');
const express = require('express');

function option(name, fallback) {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1] : fallback;
}

const port = Number(option('--port'));
const defect = option('--defect', null);
const dataFile = option('--data', path.join(__dirname, '..', '..', 'fixtures', 'kittens.json'));
const data = JSON.parse(fs.readFileSync(dataFile, 'utf8'));
const kittens = data.kittens.map((k) => ({
  species: 'kitten', available: true, hidden: false, removed: false, ...k,
}));
const deleted = new Set();
const MESSAGES = {
  400: 'Bad Request -- Your request is invalid.',
  401: 'Unauthorized -- Your API key is wrong.',
  403: 'Forbidden -- The kitten requested is hidden for administrators only.',
  404: 'Not Found -- The specified kitten could not be found.',
  405: 'Method Not Allowed -- You tried to access a kitten with an invalid method.',
  406: "Not Acceptable -- You requested a format that isn't json.",
  410: 'Gone -- The kitten requested has been removed from our servers.',
};

class ApiError extends Error {
  constructor(status, detail) {
    super(detail || MESSAGES[status]);
    this.status = status;
  }
}

const publicView = ({ id, name, breed, fluffiness, cuteness }) => ({ id, name, breed, fluffiness, cuteness });
const gone = (k) => k.removed || deleted.has(k.id);

function authenticate(req, res, next) {
  if (!req.accepts('json')) return next(new ApiError(406));
  const token = req.get('Authorization');
  if (token && token === data.tokens.api) req.role = 'regular';
  else if (token && token === data.tokens.admin) req.role = 'admin';
  else return next(new ApiError(401));
  return next();
}

function flag(req, name, fallback) {
  const value = req.query[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'string') throw new ApiError(400, `${name} must be true or false`);
  const word = value.toLowerCase();
  if (word === 'true' || word === '1') return true;
  if (word === 'false' || word === '0') return false;
  throw new ApiError(400, `${name} must be true or false`);
}

function find(req) {
  const raw = req.params.id;
  if (!/^[0-9]+$/.test(raw)) throw new ApiError(400, 'the id must be a positive integer');
  const kitten = raw.length <= 15 ? kittens.find((k) => k.id === Number(raw)) : undefined;
  if (!kitten) throw new ApiError(404);
  if (kitten.hidden && req.role !== 'admin') throw new ApiError(403);
  if (gone(kitten)) throw new ApiError(410);
  return kitten;
}

const notAllowed = (allow) => (req, res) => {
  res.set('Allow', allow).status(405).json({ error: MESSAGES[405], status: 405 });
};

const app = express();
app.disable('x-powered-by');

const list = app.route('/api/kittens').get(authenticate, (req, res) => {
  const includeCats = defect === 'truthy_query' ? Boolean(req.query.include_cats) : flag(req, 'include_cats', false);
  const available = flag(req, 'available', true);
  res.json(kittens.filter((k) => !gone(k)
    && (includeCats || k.species === 'kitten')
    && (!available || k.available)
    && (req.role === 'admin' || !k.hidden)).map(publicView));
});

const item = app.route('/api/kittens/:id')
  .get(authenticate, (req, res) => res.json(publicView(find(req))))
  .delete(authenticate, (req, res) => {
    const kitten = find(req);
    deleted.add(kitten.id);
    res.json({ id: kitten.id, deleted: ':(' });
  });

if (defect !== 'no_405') {
  list.all(notAllowed('GET, HEAD'));
  item.all(notAllowed('GET, HEAD, DELETE'));
}

app.use((req, res) => res.status(404).json({ error: MESSAGES[404], status: 404 }));
// eslint-disable-next-line no-unused-vars
app.use((err, req, res, next) => {
  const status = err.status || err.statusCode || 500;
  res.status(status).json({ error: err.message || MESSAGES[status] || 'error', status });
});

app.listen(port, '127.0.0.1');
