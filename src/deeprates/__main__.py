import os
import sys

if os.environ.get("DEEPRATES_WARM_SOCKET"):
    # A run with `warm_start: true`: hand the command to the warm server (deeprates.warm_start),
    # before this process imports anything heavy; it runs here when the server cannot take it.
    from deeprates.warm_start import delegate

    rc = delegate(sys.argv[1:])
    if rc is not None:
        raise SystemExit(rc)

from deeprates.cli import main  # noqa: E402

raise SystemExit(main())
