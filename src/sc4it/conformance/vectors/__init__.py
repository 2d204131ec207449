"""Conformance vectors: read, write, verify and generate them (format: spec/vectors/README.md).

A *case* is a pre-state (a reference to `states/<root>.cbor`), then steps, each a signed call or a block
with what must come out of it: the error, the events and the state root. A *decode case* is a byte
string, a type name and the expected decoding result (accepted, or `DecodeError` at a path). The CBOR
files are normative; each has a readable JSON twin.

- `verify(directory)` replays every case with `sc4it.apply` / `sc4it.on_block` and every decode case
  with `sc4it.decode`, and returns every mismatch: file, case, step index, field, expected, got. It is
  a pure function of the files (it reads, never writes).
- `generate(out, root)` runs the test suite with the recorder of `tests/vectors_recorder.py` enabled
  (the tests that check the code emit the vectors), verifies what was recorded and replaces the
  generated files in `out` (a developer command: it needs the test extra and the `tests/` directory).
- `write_suite` / `decode_cases` are what the recorder calls.

The package's modules: `records` (the records, their CBOR and JSON forms), `replay` (`verify`),
`writing` (`write_suite`, `generate`), `decoding` (the decode cases), `functions` (the function cases).
"""

from __future__ import annotations

from sc4it.conformance.vectors.decoding import (
    DECODE_TYPES,
    decode_cases,
)
from sc4it.conformance.vectors.function_cases import function_cases
from sc4it.conformance.vectors.functions import (
    FUNCTIONS,
    call_function,
    check_function_case,
)
from sc4it.conformance.vectors.records import (
    BLOCK,
    CALL,
    CASES_KIND,
    DECODE_AREA,
    DECODE_KIND,
    DEFAULT_SELECTION,
    EVERY_CASE,
    FORMAT,
    FUNCTIONS_AREA,
    FUNCTIONS_KIND,
    KINDS,
    RECORD_ENV,
    Case,
    DecodeCase,
    Expected,
    FunctionCase,
    Mismatch,
    Record,
    Report,
    Step,
    VectorFormatError,
    case_from_obj,
    case_to_json,
    case_to_obj,
    decode_case_from_obj,
    decode_case_to_json,
    decode_case_to_obj,
    dumps_cbor,
    function_case_from_obj,
    function_case_to_json,
    function_case_to_obj,
    iter_cases,
    json_doc,
    json_normative,
    read_file,
    record_to_obj,
    step_from_obj,
)
from sc4it.conformance.vectors.replay import (
    check_decode_case,
    replay_case,
    verify,
)
from sc4it.conformance.vectors.writing import (
    GENERATED,
    GenerateError,
    area_of,
    case_sort_key,
    find_root,
    generate,
    size_on_disk,
    write_suite,
)

__all__ = [
    "BLOCK",
    "CALL",
    "CASES_KIND",
    "DECODE_AREA",
    "DECODE_KIND",
    "DECODE_TYPES",
    "DEFAULT_SELECTION",
    "EVERY_CASE",
    "FORMAT",
    "FUNCTIONS",
    "FUNCTIONS_AREA",
    "FUNCTIONS_KIND",
    "GENERATED",
    "KINDS",
    "RECORD_ENV",
    "Case",
    "DecodeCase",
    "Expected",
    "FunctionCase",
    "GenerateError",
    "Mismatch",
    "Record",
    "Report",
    "Step",
    "VectorFormatError",
    "area_of",
    "call_function",
    "case_from_obj",
    "case_sort_key",
    "case_to_json",
    "case_to_obj",
    "check_decode_case",
    "check_function_case",
    "decode_case_from_obj",
    "decode_case_to_json",
    "decode_case_to_obj",
    "decode_cases",
    "dumps_cbor",
    "find_root",
    "function_case_from_obj",
    "function_case_to_json",
    "function_case_to_obj",
    "function_cases",
    "generate",
    "iter_cases",
    "json_doc",
    "json_normative",
    "read_file",
    "record_to_obj",
    "replay_case",
    "size_on_disk",
    "step_from_obj",
    "verify",
    "write_suite",
]
