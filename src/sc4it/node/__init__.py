"""The sc4it node (spec/node.md): a persistent store of blocks and state (`store`), a mempool
(`mempool`) and the in-process `Node` service that ties them to block production (`service`). The RPC
server, its JSON codec and the runner build on `Node`."""
