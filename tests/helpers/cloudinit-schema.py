#!/usr/bin/python3
"""Validate many cloud-config files in one process with cloud-init's own schema check (the code
behind `cloud-init schema --config-file`), so the test pays Python's start-up once, not per file.
Prints one line per invalid file: "<path>\t<error>"; exits 1 if any is invalid."""
import sys

try:
    from cloudinit.config.schema import SchemaValidationError, get_schema, validate_cloudconfig_file
except ImportError as e:
    # Exit 2 (not 1) with no per-file line: the caller must fail on this, not read it as "no
    # invalid file".
    print(f"cloud-init's schema module cannot be imported: {e}", file=sys.stderr)
    sys.exit(2)

schema = get_schema()
bad = 0
for path in sys.argv[1:]:
    try:
        validate_cloudconfig_file(path, schema)
    except SchemaValidationError as e:
        bad += 1
        print(f"{path}\t{e}")
sys.exit(1 if bad else 0)
