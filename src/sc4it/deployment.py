"""The deployment handshake (spec/deployment.md, rules DEP-xx), for clients and nodes.

The seeds' story: the user creates a node contract that carries the *hash* of the workload and, in
`deployment_data`, a copy of the workload only the user can read; the user then hands the contract id
and the workload to the node off-chain (RMB); the node checks the workload against the contract
(`verify_deployment`) and answers on chain with `ConfirmDeployment` or `RejectDeployment`.

- `deployment_hash(workload)` (DEP-01): blake2b-256(b"sc4it/deployment/v1" || workload), 32 bytes like
  TFChain's `deployment_hash: [u8; 32]`. The workload bytes are whatever canonical encoding the client
  and the node agree on; the hash is over those exact bytes.
- `encrypt_deployment_data` / `decrypt_deployment_data` (DEP-02, DEP-03): a libsodium sealed box to the
  X25519 key converted from the user's own ed25519 account key. A sealed box adds 48 bytes, which count
  against `max_deployment_data_length` (512 by default: at most 464 bytes of plaintext).
- `verify_deployment` (DEP-10..DEP-16): the node's check, a pure function of the state that never
  raises and names the first reason a deployment must be refused.

This module is client and node tooling, not part of the state-transition function: encryption draws a
fresh ephemeral key (randomness), so it must never run inside `apply`.
"""

from __future__ import annotations

import hashlib
from enum import Enum

import nacl.bindings
import nacl.exceptions
import nacl.public
import nacl.signing

from sc4it.kernel import calls
from sc4it.kernel.codec import blake2b_256
from sc4it.kernel.signing import Keypair
from sc4it.kernel.state import Config, State
from sc4it.kernel.types import Created, NodeContract

DEPLOYMENT_HASH_TAG = b"sc4it/deployment/v1"
SEALED_BOX_OVERHEAD = 48
"""Bytes a sealed box adds to its plaintext: a 32-byte ephemeral public key and a 16-byte MAC."""


class DeploymentDataError(ValueError):
    """Deployment data that cannot be built (too long) or opened (wrong key, corrupted)."""


def deployment_hash(workload: bytes) -> bytes:
    """DEP-01: the 32-byte hash a node contract carries for `workload` (its canonical bytes)."""
    return blake2b_256(DEPLOYMENT_HASH_TAG + workload)


def max_plaintext_length(config: Config) -> int:
    """DEP-02: the longest plaintext whose sealed box still fits in `deployment_data`."""
    return max(config.max_deployment_data_length - SEALED_BOX_OVERHEAD, 0)


def encrypt_deployment_data(public_key: bytes, data: bytes, *, ephemeral_seed: bytes | None = None) -> bytes:
    """DEP-02: seal `data` to the ed25519 public key `public_key` (the user's account id); only the
    holder of the matching private key can open it. Not deterministic (a fresh ephemeral key each time),
    unless `ephemeral_seed` (32 bytes) fixes the ephemeral key: the same libsodium sealed box
    (`epk ‖ crypto_box(data, blake2b-24(epk ‖ pk), pk, esk)`), reproducible, for test vectors only (a
    reused ephemeral key links the boxes sealed with it)."""
    try:
        recipient = nacl.signing.VerifyKey(public_key).to_curve25519_public_key()
    except (nacl.exceptions.CryptoError, ValueError, TypeError) as e:
        raise DeploymentDataError(f"not an ed25519 public key: {e}") from e
    if ephemeral_seed is None:
        return bytes(nacl.public.SealedBox(recipient).encrypt(data))
    epk, esk = nacl.bindings.crypto_box_seed_keypair(ephemeral_seed)
    pk = bytes(recipient)
    nonce = hashlib.blake2b(epk + pk, digest_size=nacl.bindings.crypto_box_NONCEBYTES).digest()
    return bytes(epk + nacl.bindings.crypto_box(data, nonce, pk, esk))


def decrypt_deployment_data(keypair: Keypair, blob: bytes) -> bytes:
    """DEP-03: open deployment data sealed to `keypair`'s account key; `DeploymentDataError` if the box
    was sealed to another key or was altered."""
    try:
        return bytes(nacl.public.SealedBox(keypair.curve25519_private_key()).decrypt(blob))
    except (nacl.exceptions.CryptoError, ValueError, TypeError) as e:
        raise DeploymentDataError(f"cannot open deployment data: {e}") from e


def create_node_contract_call(
    keypair: Keypair,
    node_id: int,
    workload: bytes,
    *,
    public_ips: int = 0,
    solution_provider_id: int | None = None,
    data: bytes | None = None,
    config: Config | None = None,
    ephemeral_seed: bytes | None = None,
) -> calls.CreateNodeContract:
    """DEP-04: the `CreateNodeContract` call a client signs for `workload`: its hash, and `data`
    (default: the workload itself) sealed to the client's own key. `DeploymentDataError` if the sealed
    data would exceed `max_deployment_data_length` (pass a shorter `data`, e.g. a reference)."""
    cfg = config or Config()
    plain = workload if data is None else data
    if len(plain) > max_plaintext_length(cfg):
        raise DeploymentDataError(
            f"{len(plain)} bytes of deployment data; at most {max_plaintext_length(cfg)} fit once sealed"
        )
    sealed = encrypt_deployment_data(keypair.account_id, plain, ephemeral_seed=ephemeral_seed)
    return calls.CreateNodeContract(
        node_id=node_id,
        deployment_hash=deployment_hash(workload),
        deployment_data=sealed,
        public_ips=public_ips,
        solution_provider_id=solution_provider_id,
    )


class VerifyResult(Enum):
    """DEP-10..DEP-16: the outcome of `verify_deployment`, one value per reason to refuse."""

    Ok = "ok"
    ContractNotFound = "contract not found"
    NotNodeContract = "not a node contract"
    ContractNotLive = "contract not live (in grace period)"
    WrongNode = "contract is for another node"
    WrongTwin = "contract belongs to another twin"
    HashMismatch = "workload does not match the contract's deployment hash"

    @property
    def ok(self) -> bool:
        return self is VerifyResult.Ok


def verify_deployment(
    state: State, contract_id: int, twin_id: int, deployment: bytes, *, node_id: int
) -> VerifyResult:
    """DEP-10..DEP-16: may node `node_id` deploy `deployment`, which twin `twin_id` sent it for contract
    `contract_id`? Checked in this order, the first failure is the answer:

    DEP-11 the contract exists (`ContractNotFound`); DEP-12 it is a node contract (`NotNodeContract`);
    DEP-13 it is live, i.e. Created (`ContractNotLive`: in grace the user is out of funds and the
    deployment must not run); DEP-14 it is on this node (`WrongNode`); DEP-15 it belongs to the twin
    that sent the workload (`WrongTwin`); DEP-16 `deployment_hash(deployment)` equals the contract's
    hash (`HashMismatch`). The node passes its own id: it is the node that asks, and a contract on
    another node must be refused even if everything else matches. Never raises."""
    contract = state.contracts.get(contract_id)
    if contract is None:
        return VerifyResult.ContractNotFound
    nc = contract.contract_type
    if not isinstance(nc, NodeContract):
        return VerifyResult.NotNodeContract
    if not isinstance(contract.state, Created):
        return VerifyResult.ContractNotLive
    if nc.node_id != node_id:
        return VerifyResult.WrongNode
    if contract.twin_id != twin_id:
        return VerifyResult.WrongTwin
    if deployment_hash(deployment) != nc.deployment_hash:
        return VerifyResult.HashMismatch
    return VerifyResult.Ok
