import sys
from pathlib import Path

# Make ``tests.factories`` importable as ``factories`` from any test module.
sys.path.insert(0, str(Path(__file__).parent))
