"""Random sequences of contract calls keep every state invariant (spec/contracts.md §8; CON-51 and the
IP invariant of spec/ips.md), whichever calls succeed."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from sc4it import calls as c
from sc4it.conformance.invariants import check
from sc4it.kernel.types import ContractResources, NruConsumption, Resources

from .world import NODE_TWIN, H, base, call, now_of

USERS = st.sampled_from(("alice", "bob", "dave"))
NODES = st.integers(1, 4)
NODE_TWINS = st.sampled_from(sorted(NODE_TWIN.values()))
IDS = st.integers(1, 12)
HASHES = st.integers(0, 3).map(H)

Op = tuple[str, c.Call]

ops: st.SearchStrategy[Op] = st.one_of(
    st.tuples(
        USERS, st.builds(c.CreateNodeContract, NODES, HASHES, st.just(b""), st.integers(0, 3), st.none())
    ),
    st.tuples(USERS, st.builds(c.CreateNameContract, st.sampled_from([b"aaa", b"bbb", b"ccc"]))),
    st.tuples(USERS, st.builds(c.CreateRentContract, NODES, st.none())),
    st.tuples(USERS, st.builds(c.CancelContract, IDS)),
    st.tuples(USERS, st.builds(c.UpdateNodeContract, IDS, HASHES, st.just(b"x"))),
    st.tuples(
        NODE_TWINS,
        st.builds(lambda cid: c.ReportContractResources((ContractResources(cid, Resources(cru=1)),)), IDS),
    ),
    st.tuples(NODE_TWINS, st.builds(c.ConfirmDeployment, IDS)),
    st.tuples(NODE_TWINS, st.builds(c.RejectDeployment, IDS, st.just(b"no"))),
)


@given(st.lists(st.tuples(ops, st.integers(0, 10**9)), min_size=1, max_size=25))
def test_random_contract_calls_keep_invariants(steps: list[tuple[Op, int]]) -> None:
    """Invariants hold after every call; a rejected call returns the very input state."""
    state = base()
    for i, ((who, the_call), nru) in enumerate(steps):
        block = 2 + i
        out = call(state, who, the_call, block)
        if out.ok:
            state = out.state
        else:
            assert out.state is state
        if who in NODE_TWIN.values() and isinstance(the_call, c.ReportContractResources):
            cid = the_call.contract_resources[0].contract_id
            nru_out = call(state, who, c.AddNruReports((NruConsumption(cid, now_of(block), 60, nru),)), block)
            if nru_out.ok:
                state = nru_out.state
        assert check(state) == [], (i, who, the_call)


def test_long_seeded_run_keeps_invariants() -> None:
    """A fixed pseudo-random run of 300 calls (seeded, reproducible): invariants hold throughout and the
    run exercises creation, cancellation and the node's calls (many succeed)."""
    import random

    rng = random.Random(20240917)
    users = ("alice", "bob", "dave")
    state = base()
    succeeded: dict[str, int] = {}
    for i in range(300):
        block = 2 + i
        who = rng.choice(users)
        node = rng.randint(1, 4)
        cid = rng.randint(max(1, state.contract_id - 6), state.contract_id + 1)
        pick = rng.randrange(9)
        the_call: c.Call
        if pick <= 2:
            the_call = c.CreateNodeContract(node, H(rng.randrange(6)), b"", rng.randrange(3), None)
        elif pick == 3:
            the_call = c.CreateNameContract(rng.choice([b"aaa", b"bbb", b"ccc", b"ddd"]))
        elif pick == 4:
            the_call = c.CreateRentContract(node, None)
        elif pick == 5:
            the_call = c.CancelContract(cid)
        else:
            contract = state.contracts.get(cid)
            node_of = contract.node_id() if contract is not None else node
            who = NODE_TWIN.get(node_of, "node-1")
            the_call = (
                c.ConfirmDeployment(cid),
                c.RejectDeployment(cid, b"no"),
                c.AddNruReports((NruConsumption(cid, now_of(block), 60, rng.randrange(10**9)),)),
            )[pick - 6]
        out = call(state, who, the_call, block)
        if out.ok:
            state = out.state
            succeeded[type(the_call).__name__] = succeeded.get(type(the_call).__name__, 0) + 1
        assert check(state) == [], (i, who, the_call)
    for name in (
        "CreateNodeContract",
        "CreateNameContract",
        "CancelContract",
        "ConfirmDeployment",
        "AddNruReports",
    ):
        assert succeeded.get(name, 0) >= 3, succeeded
    assert sum(succeeded.values()) >= 60, succeeded
