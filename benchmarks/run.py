"""Every benchmark, one after another (`make bench`). Each prints its own numbers and targets.

Byte-code caching is turned back on for them (some environments set PYTHONDONTWRITEBYTECODE, which makes
every start of the CLI compile socialops again), and the interpreter is named: a statically linked,
profile-guided build (a Linux distribution's, or python.org's) runs the CLI about a quarter faster than a
default source build with a shared libpython (pyenv's default).
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import sysconfig
from pathlib import Path

HERE = Path(__file__).resolve().parent


def interpreter() -> str:
    try:  # Linux: is libpython a shared library of this process? (sysconfig cannot tell: Debian builds both)
        linked = "shared libpython" if "libpython" in Path("/proc/self/maps").read_text() else "static libpython"
    except OSError:
        linked = "shared libpython" if sysconfig.get_config_var("Py_ENABLE_SHARED") else "static libpython"
    return f"{platform.python_implementation()} {platform.python_version()} ({sys.executable}, {linked})"


def main() -> int:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    print(f"interpreter: {interpreter()}; {os.cpu_count()} CPUs", flush=True)
    failed = []
    for script in sorted(HERE.glob("bench_*.py")):
        print(f"\n== {script.name}", flush=True)
        if subprocess.run([sys.executable, str(script)], env=env).returncode != 0:
            failed.append(script.name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
