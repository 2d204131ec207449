"""Origins of the registry calls, end to end through `sc4it.apply` with signed calls (spec/registry.md
conventions; FRM-20, NOD-20, PWR-01, PWR-10, PRC-01, TFT-01, TFT-10)."""

from __future__ import annotations

from sc4it import apply, calls, genesis, sign
from sc4it.kernel.errors import Error
from sc4it.kernel.types import FarmCertification, NodeCertification, Power

from .helpers import ENV, council, failed, fresh_account, ok, run, world


def test_council_calls_need_the_multisig() -> None:
    """FRM-20, FRM-22, NOD-20, PRC-01, TFT-10: a council member's own key is not the council (BadOrigin /
    NotAllowedToCertifyNode); one signature on the multisig is not enough; two are."""
    s = fresh_account(world(), "council-1")
    member = genesis.dev_keypair("council-1")
    for call, error in (
        (calls.SetFarmDedicated(1, True), Error.BadOrigin),
        (calls.SetFarmCertification(1, FarmCertification.Gold), Error.BadOrigin),
        (calls.SetMinTftPrice(1), Error.BadOrigin),
        (calls.SetNodeCertification(1, NodeCertification.Certified), Error.NotAllowedToCertifyNode),
    ):
        failed(s, apply(s, sign(call, member, 0, s.chain_id), ENV), error)
        failed(s, council(s, call, signers=1), Error.NotEnoughSignatures)
        ok(council(s, call))


def test_oracle_call_needs_the_oracle_account() -> None:
    """TFT-01: the oracle's key alone is not the oracle account (the 1-of-1 multisig is)."""
    s = fresh_account(world(), "oracle")
    key = genesis.dev_keypair("oracle")
    failed(
        s, apply(s, sign(calls.SetPrices(1, 1), key, 0, s.chain_id), ENV), Error.AccountUnauthorizedToSetPrice
    )


def test_farmer_only_and_node_twin_only() -> None:
    """PWR-01, PWR-10, NOD-31, IP-10: the farmer (not the node) sets the power target and deletes nodes;
    the node (not the farmer) reports its power state."""
    s = world()
    failed(s, run(s, "node-1", calls.ChangePowerTarget(1, Power.Down)), Error.UnauthorizedToChangePowerTarget)
    ok(run(s, "farmer-1", calls.ChangePowerTarget(1, Power.Down)))
    failed(s, run(s, "farmer-1", calls.ChangePowerState(Power.Down)), Error.NodeNotExists)
    ok(run(s, "node-1", calls.ChangePowerState(Power.Down)))
    failed(s, run(s, "node-1", calls.DeleteNodeFarm(1)), Error.FarmerNotAuthorized)
    failed(
        s,
        run(s, "node-1", calls.AddFarmIp(1, b"185.206.122.50/24", b"185.206.122.1")),
        Error.CannotUpdateFarmWrongTwin,
    )


def test_registry_handlers_registered() -> None:
    """Every registry call class has exactly one handler in the runtime table."""
    from sc4it.registry import HANDLERS
    from sc4it.runtime import handlers

    registry_calls = {
        calls.CreateTwin,
        calls.BondTwinAccount,
        calls.CreateFarm,
        calls.AddFarmIp,
        calls.RemoveFarmIp,
        calls.SetFarmDedicated,
        calls.SetFarmCertification,
        calls.SetFarmPricingPolicy,
        calls.CreateNode,
        calls.UpdateNode,
        calls.SetNodeCertification,
        calls.ChangePowerState,
        calls.ChangePowerTarget,
        calls.DeleteNodeFarm,
        calls.CreatePricingPolicy,
        calls.UpdatePricingPolicy,
        calls.SetPrices,
        calls.SetMinTftPrice,
        calls.SetMaxTftPrice,
        calls.RequestTwinTransfer,
        calls.AcceptTwinTransfer,
        calls.CancelTwinTransfer,
        calls.OptOutOfV3Billing,
        calls.AddTwinAdmin,
        calls.RemoveTwinAdmin,
        calls.SetNodeV3OptOutMetadata,
    }
    assert set(HANDLERS) == registry_calls
    table = handlers()
    assert all(table[c] is HANDLERS[c] for c in registry_calls)
