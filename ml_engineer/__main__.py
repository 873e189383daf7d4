import sys

from ml_engineer.cli import main

sys.exit(main())
