"""Network presets (spec/analysis.md ANA-30..ANA-33): pricing policy 1, TFT price bounds and the runtime
constants of each TFChain network, every value with its source.

`network_state(name)` is the embedded default world (its farms, nodes and dev keys, so `quote --node`
and generated populations work) with the network's pricing policy 1, TFT price and constants. The
sources are listed in `PRESETS[name].sources` and in docs/pricing-analysis.md ("Network presets").
"""

from __future__ import annotations

import functools

import attrs

from sc4it import genesis as gen
from sc4it.kernel.state import Config, State
from sc4it.kernel.types import Policy, Unit

TFCHAIN = "threefoldtech/tfchain@33046d68072f9972b53e92f616a8852fe107f36e"
"""The TFChain commit the preset sources were read at (tag v2.7.0 line, "doc: update unsafe rpc node IPs")."""


@attrs.frozen(slots=True)
class Preset:
    """One network: pricing policy 1's prices (units USD per hour and unit), the share of the full price a
    rent contract pays, the TFT price billing converts with and its bounds (mUSD), the constants, and
    where each value comes from."""

    name: str
    su: Policy
    cu: Policy
    nu: Policy
    ipu: Policy
    unique_name: Policy
    domain_name: Policy
    discount_for_dedication_nodes: int
    tft_price: int
    tft_min: int
    tft_max: int
    config: Config
    sources: tuple[tuple[str, str], ...]
    caveat: str = ""

    def describe(self) -> str:
        """One line for outputs: the network and its list prices a month (720 hours)."""
        month = 720 / 10**7

        def usd(p: Policy) -> str:
            return f"${p.value * month:,.2f}"

        return (
            f"TFChain {self.name}: CU {usd(self.cu)}, SU {usd(self.su)}, IPv4 {usd(self.ipu)} a month "
            f"(per {self.cu.unit.name[:-1] if self.cu.unit != Unit.Gigabytes else 'GB'}); TFT at "
            f"{self.tft_price} mUSD (assumed; billing clamps to [{self.tft_min}, {self.tft_max}])"
        )


_RUNTIME = (
    "constants: runtime/src/lib.rs at "
    + TFCHAIN
    + " (BillingFrequency 600 blocks, GracePeriod 201 600 blocks, DistributionFrequency 24, "
    "existential deposit 500); discount thresholds 1.5/3/6/18 months and factors 0.8/0.7/0.6/0.4: "
    "pallet-smart-contract cost.rs and docs/architecture/0008-discount-levels-changed.md at " + TFCHAIN
)
_TFT = (
    "TFT price bounds: min 10, max 1000 mUSD in node/src/chain_spec.rs at " + TFCHAIN + "; the price itself "
    "is set by the oracle (docs/misc/price.md), so 50 mUSD (TFChain's test mock `set_prices(50)`) is an "
    "assumption: pass a policy file with tft_price for today's price"
)
_GB = Unit.Gigabytes

PRESETS: dict[str, Preset] = {
    "mainnet": Preset(
        "mainnet",
        su=Policy(194_400, _GB),
        cu=Policy(305_600, _GB),
        nu=Policy(50_000, _GB),
        ipu=Policy(69_400, _GB),
        unique_name=Policy(13_900, _GB),
        domain_name=Policy(27_800, _GB),
        discount_for_dedication_nodes=50,
        tft_price=50,
        tft_min=10,
        tft_max=1000,
        config=Config(),
        sources=(
            (
                "prices",
                "ThreeFold's published list prices, CU $22, SU $14, IPv4 $5 a month (305 556, 194 444 and "
                "69 444 units USD an hour), as TFChain writes them: docs/misc/pricing_policies.md at "
                + TFCHAIN
                + " ('CU as 30.56 mUSD/hour then the value should be 305600'); su 194 400, cu 305 600, "
                "nu 50 000, ipu 69 400, unique_name 13 900, domain_name 27 800 (Gigabytes) is the policy "
                "pallet-smart-contract's tests.rs (prepare_farm) and benchmarking.rs use at " + TFCHAIN,
            ),
            ("discount_for_dedication_nodes", "50: the same tests.rs; 50% of the node's price for a rent"),
            ("tft_price", _TFT),
            ("constants", _RUNTIME),
        ),
        caveat="read from TFChain's code and docs, not from mainnet storage (council can change policy 1)",
    ),
    "testnet": Preset(
        "testnet",
        su=Policy(150_000, Unit.Bytes),
        cu=Policy(300_000, Unit.Bytes),
        nu=Policy(1_000, Unit.Bytes),
        ipu=Policy(50_000, Unit.Bytes),
        unique_name=Policy(10_000, _GB),
        domain_name=Policy(20_000, _GB),
        discount_for_dedication_nodes=50,
        tft_price=50,
        tft_min=10,
        tft_max=1000,
        config=Config(),
        sources=(
            (
                "prices",
                "the testnet chain spec's genesis, substrate-node/chainspecs/test/chainSpec.json at "
                + TFCHAIN
                + " (palletTfgrid suPriceValue 150000, cuPriceValue 300000, nuPriceValue 1000, "
                "ipuPriceValue 50000 with unit 1 = Bytes, uniqueNamePriceValue 10000, "
                "domainNamePriceValue 20000)",
            ),
            ("discount_for_dedication_nodes", "50, the value TFChain's migrations and tests set"),
            ("tft_price", _TFT),
            ("constants", _RUNTIME),
        ),
        caveat=(
            "the genesis policy, per Byte as the chain spec says; the live testnet policy 1 was changed by "
            "council since: pass --policy FILE with today's values"
        ),
    ),
    "devnet": Preset(
        "devnet",
        su=Policy(150_000, _GB),
        cu=Policy(320_000, _GB),
        nu=Policy(30_000, _GB),
        ipu=Policy(49_000, _GB),
        unique_name=Policy(14_000, _GB),
        domain_name=Policy(28_000, _GB),
        discount_for_dedication_nodes=50,
        tft_price=50,
        tft_min=10,
        tft_max=1000,
        config=Config(),
        sources=(
            (
                "prices",
                "the devnet chain spec's genesis, substrate-node/chainspecs/dev/chainSpec.json at "
                + TFCHAIN
                + " (suPriceValue 150000, cuPriceValue 320000, nuPriceValue 30000, ipuPriceValue 49000, "
                "unit 4 = Gigabytes; uniqueNamePriceValue 14000, domainNamePriceValue 28000)",
            ),
            ("discount_for_dedication_nodes", "50, the value TFChain's migrations and tests set"),
            ("tft_price", _TFT),
            ("constants", _RUNTIME),
        ),
        caveat="the devnet genesis policy; the live devnet may differ (it is reset often)",
    ),
}
NETWORKS = tuple(PRESETS)


def network_genesis(name: str) -> gen.Genesis:
    """ANA-31: the embedded default genesis with network `name`'s pricing policy 1, TFT price and
    constants (`KeyError` for an unknown name); `sc4it.genesis.dump` writes it as a genesis file."""
    p = PRESETS[name]
    base = gen.default_genesis()
    policy = attrs.evolve(
        base.pricing_policies[0],
        su=p.su,
        cu=p.cu,
        nu=p.nu,
        ipu=p.ipu,
        unique_name=p.unique_name,
        domain_name=p.domain_name,
        discount_for_dedication_nodes=p.discount_for_dedication_nodes,
    )
    return attrs.evolve(
        base,
        config=p.config,
        pricing_policies=(policy,),
        tft_price=gen.GenesisTftPrice(p.tft_price, p.tft_min, p.tft_max),
    )


@functools.cache
def network_state(name: str) -> State:
    """ANA-31: the state of `network_genesis(name)`: the default world (its farms, nodes and keys) with the
    network's pricing policy 1, TFT price and constants."""
    return gen.build(network_genesis(name))
