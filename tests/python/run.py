"""tests/python/run.py -- runs every tests/python/test_*.py and ends with "N passed, N failed" (tests/run.sh's
convention; skipped tests print a SKIP line and count in neither)."""

import os
import sys
import unittest


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    suite = unittest.defaultTestLoader.discover(here, pattern="test_*.py", top_level_dir=here)
    res = unittest.TextTestRunner(stream=sys.stdout, verbosity=1).run(suite)
    for test, why in res.skipped:
        print("SKIP: %s (%s)" % (test.id(), why))
    failed = len(res.failures) + len(res.errors) + len(res.unexpectedSuccesses)
    print("%d passed, %d failed" % (res.testsRun - failed - len(res.skipped), failed))
    return 1 if failed else 0


if __name__ == "__main__":  # not in the processes Dask's LocalCluster spawns, which import this module as __main__
    sys.exit(main())
