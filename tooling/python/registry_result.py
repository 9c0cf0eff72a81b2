"""Shared by the scripts the registry runs inside created environments: hand the result back through a file
(the checkpoint's own code may print anything on stdout) and leave without interpreter teardown (objects from
the checkpoint may run code in their finalizers)."""
import json
import os
import sys


def finish(result, path):
    with open(path + ".tmp", "w") as out:
        json.dump(result, out)
    os.replace(path + ".tmp", path)
    sys.stdout.flush()
    os._exit(0)
