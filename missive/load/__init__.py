"""The `load` stage: the secretariat's YAML and CSV files -> validated model values.

Every loader raises `InputError` carrying *all* problems it found, each located as
`path:line:col`, so one run of `check` tells the secretariat everything to fix.
"""

from missive.load.letter import load_letter, template_paths
from missive.load.recipients import (
    REQUIRED_COLUMNS,
    GroupRule,
    id_problem,
    iter_recipients,
    load_recipients,
    normalize_address,
    read_header,
    scan_recipients,
)
from missive.load.signatory import load_signatory, named_path, project_root

__all__ = [
    "REQUIRED_COLUMNS",
    "GroupRule",
    "id_problem",
    "iter_recipients",
    "load_letter",
    "load_recipients",
    "load_signatory",
    "named_path",
    "normalize_address",
    "project_root",
    "read_header",
    "scan_recipients",
    "template_paths",
]
