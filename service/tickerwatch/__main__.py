import sys

from tickerwatch.cli import main

sys.exit(main())
