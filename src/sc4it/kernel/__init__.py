"""The kernel and data model: types, state, the transaction overlay, calls, events, errors, the codec,
signing, fixed-point arithmetic and the state commitments. Nothing here imports a rule."""
