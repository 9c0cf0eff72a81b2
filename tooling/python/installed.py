"""What the host can know of an environment before any of its packages' code runs: run with `python -I -S`
(no site-packages on the path, so no .pth file runs, only the standard library), after pip and before the
checkpoint is loaded. Reads the distributions' metadata files and the names a module could be imported by;
imports nothing installed.

Usage: python -I -S installed.py [--system-site-packages]
Prints {python, distributions: {name: version}, importable: [top-level names]} on stdout.
"""
import importlib.metadata
import json
import os
import platform
import site
import sys
import sysconfig


def environment_prefix():
    """The virtual environment this interpreter belongs to (site.py finds it from pyvenv.cfg, and -S skips
    site.py), or None for a base interpreter."""
    executable_dir = os.path.dirname(os.path.abspath(sys.executable))
    for prefix in (executable_dir, os.path.dirname(executable_dir)):
        if os.path.isfile(os.path.join(prefix, "pyvenv.cfg")):
            return os.path.dirname(executable_dir)
    return None


def site_dirs(system):
    """The site folders in the order the interpreter searches them: the environment's, then (with
    --system-site-packages, or for a base interpreter) the base installation's."""
    venv = environment_prefix()
    dirs = []
    if venv is not None:
        scheme = "venv" if "venv" in sysconfig.get_scheme_names() else "posix_prefix"
        paths = sysconfig.get_paths(scheme=scheme, vars={"base": venv, "platbase": venv, "installed_base": venv, "installed_platbase": venv})
        dirs += [paths["purelib"], paths["platlib"]]
    if venv is None or system:
        dirs += site.getsitepackages()
    return [d for d in dict.fromkeys(dirs) if os.path.isdir(d)]


def path_entries(directory):
    """The folders a .pth file of `directory` adds (its plain lines; the `import` lines are code and not run)."""
    added = []
    for name in sorted(os.listdir(directory)):
        if not name.endswith(".pth"):
            continue
        try:
            with open(os.path.join(directory, name), encoding="utf-8", errors="replace") as file:
                for line in file:
                    line = line.strip()
                    if line and not line.startswith(("#", "import ", "import\t")):
                        candidate = os.path.join(directory, line)
                        if os.path.isdir(candidate):
                            added.append(candidate)
        except OSError:
            pass
    return added


def top_level_names(directory):
    names = set()
    for name in os.listdir(directory):
        if name.endswith((".dist-info", ".egg-info", ".pth")) or name in ("__pycache__",) or name.startswith("."):
            continue
        path = os.path.join(directory, name)
        if os.path.isdir(path):
            if name.isidentifier():
                names.add(name)
        else:
            stem = name.split(".", 1)[0]
            if name.endswith((".py", ".pyc", ".so", ".pyd")) and stem.isidentifier():
                names.add(stem)
    return names


def main():
    system = "--system-site-packages" in sys.argv[1:]
    dirs = site_dirs(system)
    search = []
    for directory in dirs:
        search.append(directory)
        search.extend(path_entries(directory))
    distributions = {}
    for dist in importlib.metadata.distributions(path=search):
        name = dist.metadata["Name"]
        if name and name not in distributions:  # the first on the path is the one imported
            distributions[name] = dist.version
    importable = set()
    for directory in search:
        importable |= top_level_names(directory)
    json.dump(
        {
            "python": platform.python_version(),
            "sitePackages": search,
            "distributions": dict(sorted(distributions.items(), key=lambda kv: kv[0].lower())),
            "importable": sorted(importable),
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
