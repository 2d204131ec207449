"""A light client: trust a header only once it is final, then trust state entries only with proofs against it
(spec/light.md, rules LGT-01..LGT-09).

A light client keeps no state and executes no block. It holds what it trusts from the start (the chain id
and the producers of a single-node chain, `ProducerSeal`; or, on the network, what the consensus engine's
light client trusts, `Finality` implementations the network layer provides), accepts a header when its
finality evidence checks (LGT-02..LGT-04), and then checks any storage entry the node sends with the proof
the node sends with it against that header's `state_commitment`, the state root (spec/commitment.md,
CMT-23). A node that lies about an entry, or sends a header that is not final, is caught; nothing it
says is believed without evidence.

    client = LightClient(ProducerSeal(chain_id, producers))
    header = client.accept(header, signature)                 # LGT-02..LGT-04
    contract = client.contract(header, contract_id, value, proof)   # LGT-05, LGT-06

Every check either returns what was proved or raises `LightError` with a `LightFault` naming what failed;
nothing else is raised for bad input.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum
from typing import Any, Protocol

import attrs

from sc4it.block import Header, header_hash, seal_message
from sc4it.kernel import commitment
from sc4it.kernel.signing import verify as verify_signature
from sc4it.kernel.types import AccountInfo, Contract, Twin

PROOF_OP_TYPE = "sc4it:smt:v1"
"""LGT-08: the `ProofOp.type` under which an ABCI query answer carries an sc4it proof (CMT-21)."""


class LightFault(Enum):
    """What a light client check found wrong (LGT-02..LGT-06)."""

    WrongChain = "WrongChain"
    UnknownProducer = "UnknownProducer"
    BadSignature = "BadSignature"
    NotFinal = "NotFinal"
    NotTrusted = "NotTrusted"
    BadProof = "BadProof"
    Mismatch = "Mismatch"
    Stale = "Stale"


class LightError(Exception):
    """A check that failed: `fault` says which, `message` says how."""

    def __init__(self, fault: LightFault, message: str) -> None:
        super().__init__(f"{fault.value}: {message}")
        self.fault = fault
        self.message = message


class Finality(Protocol):
    """LGT-01: decides whether a header is final given the evidence a node sends with it. A single-node
    chain uses `ProducerSeal` (evidence: the producer's signature of the header). The network layer
    provides one for CometBFT (evidence: a commit signed by more than 2/3 of the voting power of a
    validator set the checker trusts), with the same interface."""

    def check(self, header: Header, evidence: Any) -> None:
        """Return if `header` is final given `evidence`; raise `LightError` otherwise."""
        ...


@attrs.frozen
class ProducerSeal:
    """LGT-02, LGT-03: the finality of a single-node chain: a header is final when it belongs to
    `chain_id` and carries the signature of one of `producers` (BLK-09's seal) as evidence."""

    chain_id: bytes
    producers: frozenset[bytes]

    def check(self, header: Header, evidence: Any) -> None:
        if header.chain_id != self.chain_id:  # LGT-02
            raise LightError(
                LightFault.WrongChain, f"chain id {header.chain_id.hex()}, not {self.chain_id.hex()}"
            )
        if header.producer not in self.producers:  # LGT-02
            raise LightError(LightFault.UnknownProducer, f"{header.producer.hex()} is not a producer")
        if not isinstance(evidence, bytes) or len(evidence) != 64:  # LGT-03
            raise LightError(LightFault.BadSignature, "the evidence is a 64-byte ed25519 signature")
        if not verify_signature(header.producer, seal_message(header), evidence):  # LGT-03
            raise LightError(LightFault.BadSignature, "not the producer's signature of this header")


class LightClient:
    """Headers accepted through `finality`, and entries checked against them (LGT-04..LGT-07)."""

    def __init__(self, finality: Finality) -> None:
        self.finality = finality
        self._trusted: dict[bytes, Header] = {}
        self.latest: Header | None = None

    def accept(self, header: Header, evidence: Any) -> Header:
        """LGT-04: check `header`'s finality and remember it as trusted; returns it."""
        if not isinstance(header, Header):
            raise LightError(LightFault.NotFinal, "not a header")
        self.finality.check(header, evidence)
        self._trusted[header_hash(header)] = header
        if self.latest is None or header.number > self.latest.number:
            self.latest = header
        return header

    def trusted(self, header: Header) -> bytes:
        """The state root of an accepted header (LGT-05); `LightError(NotTrusted)` for any other."""
        if not isinstance(header, Header) or self._trusted.get(header_hash(header)) != header:
            raise LightError(LightFault.NotTrusted, "this header was not accepted (call accept first)")
        return header.state_commitment

    def entries(self, header: Header, claims: Iterable[tuple[str, Any, Any]], proof: bytes) -> None:
        """LGT-05: check that, in the state after `header`, each (map, key, value or None) claim holds,
        with one proof (CMT-20..CMT-23)."""
        root = self.trusted(header)
        claims = list(claims)
        try:
            ok = commitment.check(root, claims, proof)
        except commitment.ProofError as e:
            raise LightError(LightFault.BadProof, str(e)) from e
        if not ok:
            raise LightError(
                LightFault.BadProof, "the proof does not show these values under the header's root"
            )

    def entry(self, header: Header, map_name: str, key: Any, value: Any, proof: bytes) -> Any:
        """LGT-05: `entries` for one claim; returns `value` (None: proved absent)."""
        self.entries(header, [(map_name, key, value)], proof)
        return value

    def contract(
        self, header: Header, contract_id: int, contract: Contract | None, proof: bytes
    ) -> Contract | None:
        """LGT-06: the contract `contract_id` in the state after `header` is `contract` (None: there is
        no such contract), proved."""
        if contract is not None and (
            not isinstance(contract, Contract) or contract.contract_id != contract_id
        ):
            raise LightError(LightFault.Mismatch, f"the contract offered is not contract {contract_id}")
        return self.entry(header, "contracts", contract_id, contract, proof)  # type: ignore[no-any-return]

    def account(
        self, header: Header, account_id: bytes, info: AccountInfo | None, proof: bytes
    ) -> AccountInfo | None:
        """LGT-06: the balance record of `account_id` after `header`, proved (None: no account)."""
        return self.entry(header, "accounts", account_id, info, proof)  # type: ignore[no-any-return]

    def twin(self, header: Header, twin_id: int, twin: Twin | None, proof: bytes) -> Twin | None:
        """LGT-06: twin `twin_id` after `header`, proved (None: no such twin)."""
        return self.entry(header, "twins", twin_id, twin, proof)  # type: ignore[no-any-return]

    def deployment(
        self,
        header: Header,
        contract_id: int,
        contract: Contract | None,
        proof: bytes,
        *,
        twin_id: int,
        deployment_hash: bytes,
    ) -> Contract:
        """LGT-07: what a ZOS node checks before it deploys: contract `contract_id` exists after `header`
        (proved), belongs to `twin_id` and carries `deployment_hash`."""
        proved = self.contract(header, contract_id, contract, proof)
        if proved is None:
            raise LightError(LightFault.Mismatch, f"contract {contract_id} does not exist")
        if proved.twin_id != twin_id:
            raise LightError(LightFault.Mismatch, f"contract {contract_id} belongs to twin {proved.twin_id}")
        if getattr(proved.contract_type, "deployment_hash", None) != deployment_hash:
            raise LightError(LightFault.Mismatch, f"contract {contract_id} carries another deployment hash")
        return proved


def proof_op(map_name: str, key: Any, proof: bytes) -> tuple[str, bytes, bytes]:
    """LGT-08: the ABCI `ProofOp` (type, key, data) for an sc4it proof of one entry: type
    `PROOF_OP_TYPE`, key the entry's 32-byte key hash (CMT-13), data the proof (CMT-21)."""
    path = commitment.entry_path(map_name, key)
    return PROOF_OP_TYPE, path.to_bytes(32, "big"), proof
