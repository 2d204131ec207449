"""The reference host: blocks over the pure core (`chain`) and its trace and snapshot files (`trace`)."""

from sc4it.host.chain import BlockResult, CallResult, Chain, execute_block

__all__ = ["BlockResult", "CallResult", "Chain", "execute_block"]
