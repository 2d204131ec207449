"""Conformance: invariants, the spec-coverage tool and the conformance vectors."""
