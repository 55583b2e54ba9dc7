import sys

from specmock.cli import main

sys.exit(main())
