"""Builds journeysim with its simulation hot path compiled to C by mypyc.

The modules every simulated visit runs through are compiled; the rest (scenario loading,
experiments, reports) stay plain Python. Set JOURNEYSIM_PURE_PYTHON=1 when installing to
skip compilation: the same code then runs as Python, at about a third of the speed. A machine
that cannot build C extensions (no C compiler, or no Python headers) gets that build too.
"""

import gc
import os
import sys
import tempfile
from glob import glob

from setuptools import setup
from setuptools.command.build_py import build_py

HOT_PATH = [
    *glob("journeysim/journey/*.py"),
    *glob("journeysim/psyche/*.py"),
    *glob("journeysim/loyalty/*.py"),
    *glob("journeysim/world/*.py"),
    "journeysim/simulation/replication.py",
    "journeysim/simulation/seeding.py",
]

# Files outside the package that an installed package ships beside its code (a clone and an
# editable install read them where they are): the scenario fit-receipts extends by default.
SHIPPED = {"scenarios/baseline.yaml": "journeysim/scenarios/baseline.yaml"}


class BuildWithShipped(build_py):
    """build_py that also copies SHIPPED into the built package."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        for source, target in SHIPPED.items():
            destination = os.path.join(self.build_lib, target)
            self.mkpath(os.path.dirname(destination))
            self.copy_file(source, destination)


# pip runs this file three times for one install: for the build's requirements, for the
# package's metadata, and to build it. Only a build compiles: mypyc takes a minute or more.
BUILDS = {"build", "build_ext", "bdist_wheel", "editable_wheel", "develop", "install"}


def builds_extensions() -> bool:
    """Whether this machine builds a C extension for this Python, as the install would: many
    have no C compiler or no Python headers (Debian's python3-dev, say)."""
    from setuptools import Distribution, Extension
    from setuptools.errors import CCompilerError, ExecError, PlatformError

    with tempfile.TemporaryDirectory() as folder:
        source = os.path.join(folder, "probe.c")
        with open(source, "w") as file:
            file.write("#include <Python.h>\nint journeysim_probe(void) { return 0; }\n")
        probe = Distribution({"ext_modules": [Extension("probe", [source])]})
        command = probe.get_command_obj("build_ext")
        command.build_lib = command.build_temp = folder
        try:
            command.ensure_finalized()
            command.run()
        except (CCompilerError, ExecError, PlatformError, OSError):
            return False
    return True


# JOURNEYSIM_PURE_PYTHON's values that leave compilation on, as unset does
COMPILING = ("", "0", "false", "no", "off")


def pure_python() -> bool:
    """Whether JOURNEYSIM_PURE_PYTHON asks to skip compiling: =1 does, =0 does not."""
    return os.environ.get("JOURNEYSIM_PURE_PYTHON", "").strip().lower() not in COMPILING


def compiled_modules() -> list:
    if pure_python() or not BUILDS & set(sys.argv[1:]):
        return []
    if not builds_extensions():
        print(
            "journeysim: this machine cannot build C extensions (no C compiler, or no Python "
            "headers), so journeysim installs as pure Python: the same numbers at about a third "
            "of the speed. Install a compiler and the headers (on Debian: build-essential "
            "python3-dev) and reinstall to compile it.",
            file=sys.stderr,
        )
        return []
    from mypyc.build import mypycify

    extensions = mypycify(sorted(p for p in HOT_PATH if not p.endswith("__init__.py")))
    # mypy's analysis leaves millions of objects alive, which every later garbage collection
    # walks: those at the interpreter's exit alone took about 25 s. Keep them out of it.
    gc.freeze()
    if os.name == "posix":
        # Keep the compiled functions private to their library (its modules' entry points stay
        # exported): gcc and clang then call them directly and can inline them, where a public
        # function of a shared library is called through its procedure linkage table and never
        # inlined, since another library might replace it. And leave out debugging information
        # (Python's flags ask for it): it nearly doubles the library and makes its compilation
        # a third longer, and nobody steps through mypyc's C.
        flags = ["-fvisibility=hidden", "-g0"]
        for extension in extensions:  # (their lists of arguments may be one shared list)
            extension.extra_compile_args = [*extension.extra_compile_args, *flags]
    return extensions


if __name__ == "__main__":  # (as setuptools runs it; tests import it for builds_extensions)
    setup(ext_modules=compiled_modules(), cmdclass={"build_py": BuildWithShipped})
