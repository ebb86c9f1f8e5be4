"""Run a command and write down the peak memory of its largest process.

    python -S measured.py REPORT_FILE COMMAND [ARG ...]

The kernel's count (`wait4`'s ru_maxrss) starts from the memory of whoever forked the
command: a test process of 400 MB forking `true` sees 410 MB. This small process forks
the command instead, so the figure is the command's own (its process tree's largest),
plus a few MB of this one. It exits with the command's code (128 + N for signal N).
Standard library only: it runs with `python -S`.
"""

import os
import sys


def main() -> int:
    report, argv = sys.argv[1], sys.argv[2:]
    pid = os.fork()
    if pid == 0:
        try:
            os.execvp(argv[0], argv)  # noqa: S606 - a fixed argv, no shell
        finally:
            os._exit(127)
    _, status, usage = os.wait4(pid, 0)
    with open(report, "w", encoding="ascii") as out:
        out.write(str(usage.ru_maxrss))  # kilobytes on Linux
    code = os.waitstatus_to_exitcode(status)
    return code if code >= 0 else 128 - code


if __name__ == "__main__":
    sys.exit(main())
