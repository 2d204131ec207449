//! `sc4it_native`: the state tree of `src/sc4it/kernel/smt.py` in Rust, an optional accelerator that a host
//! uses when it is installed (`src/sc4it/kernel/tree.py`); `smt.py` stays the normative definition, and
//! this tree must give the same roots and proof bytes for every history (spec/commitment.md, CMT-25).
//!
//! The same tree bit for bit (spec/commitment.md): radix 4 (CMT-15), shortcut leaves and the canonical
//! shape (CMT-16), the empty subtree's hash of 32 zero bytes (CMT-17), an update that gives the tree of
//! the resulting set of leaves (CMT-18), and proofs in the byte format of CMT-20..CMT-22. A path is the
//! 32-byte big-endian form of the 256-bit path the Python module keeps as an integer (CMT-13).
//!
//! Nodes are immutable and reference-counted (`Arc`): an update returns a new tree that shares every
//! untouched subtree with the old one, as the Python tree of tuples does. Unlike the tuples, an inner
//! node keeps its children's hashes beside them (in CPython that cost more steps than it saved; here it
//! saves three cache misses per level on the way up).

use std::sync::Arc;

use blake2b_simd::many::{hash_many, HashManyJob};
use blake2b_simd::{Params, State};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

type Hash = [u8; 32];
type Path = [u8; 32];

/// CMT-15: four children per inner node; a path has 128 digits of two bits.
const MAX_DEPTH: usize = 128;
/// CMT-17: the hash of an empty subtree.
const EMPTY_HASH: Hash = [0; 32];
/// An update with at least this many changes, or a build of at least this many leaves, splits the root's
/// four subtrees between two threads when the process may run on two processors or more
/// (`Hashers::parallel`; a production billing block at 1M contracts has about 3,000 changes; the result
/// does not depend on it).
const PARALLEL_MIN: usize = 512;

/// A subtree: empty, exactly one leaf (CMT-16), or an inner node holding two leaves or more. Its hash
/// is kept by its parent (`Inner::hashes`; the root's by `Tree`), so rebuilding a node on the way up
/// reads the node alone, not its three siblings.
#[derive(Clone)]
enum Child {
    Empty,
    Leaf(Arc<Leaf>),
    Inner(Arc<Inner>),
}

struct Leaf {
    path: Path,
    value: Hash,
}

/// Child `i` holds the leaves whose next digit is `i`; `hashes[i]` is its hash.
struct Inner {
    hashes: [Hash; 4],
    children: [Child; 4],
}

impl Child {
    fn same(&self, other: &Child) -> bool {
        match (self, other) {
            (Child::Empty, Child::Empty) => true,
            (Child::Leaf(a), Child::Leaf(b)) => Arc::ptr_eq(a, b),
            (Child::Inner(a), Child::Inner(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }

    /// Asks the processor to start loading this subtree's node (its reference counts and, with
    /// `whole`, all of it) into cache: an update touches the counts of every sibling it shares and
    /// reads every node it descends into, and in a big tree each is a cache miss; started together,
    /// they overlap. A hint only: nothing is read, and the result is the same without it.
    #[inline]
    fn prefetch(&self, whole: bool) {
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
            let (data, size): (*const u8, usize) = match self {
                Child::Empty => return,
                Child::Leaf(a) => (Arc::as_ptr(a).cast(), std::mem::size_of::<Leaf>()),
                Child::Inner(a) => (Arc::as_ptr(a).cast(), std::mem::size_of::<Inner>()),
            };
            let counts = data.wrapping_sub(2 * std::mem::size_of::<usize>());
            let end = if whole { size } else { 0 };
            let mut offset = 0;
            while offset <= end {
                // SAFETY: a prefetch never faults and reads nothing the program sees, whatever the
                // address; these are the counts and data of a live `Arc` allocation.
                unsafe { _mm_prefetch::<_MM_HINT_T0>(counts.wrapping_add(offset).cast()) };
                offset += 64;
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = whole;
    }
}

/// The prepared hashers of CMT-13, CMT-14, CMT-16 and CMT-15 (BLAKE2b-256 personalised `sc4it/smt/key`,
/// `.../value`, `.../leaf`, `.../node`): the key and value hashes as parameters of the batched jobs of
/// `hash_many`, the others as prepared states, cloned per hash to skip setting up the parameter block.
struct Hashers {
    key_params: Params,
    value_params: Params,
    leaf: State,
    node: State,
    /// Whether a big update or build uses a second thread (`PARALLEL_MIN`): only when the process may
    /// run on more than one processor, as the tree's first build found it (its affinity and quota). On
    /// one, the second thread shares the core and costs time (~2 ms of a 1M billing block's 13 ms).
    parallel: bool,
}

/// A leaf change: (path, new value hash), or (path, None) to remove the leaf.
type Change = (Path, Option<Hash>);
/// A leaf change as Python sees it: 32-byte path, 32-byte value hash or None.
type PyChange<'py> = (Bound<'py, PyBytes>, Option<Bound<'py, PyBytes>>);

impl Hashers {
    fn new() -> Self {
        let params = |person: &[u8]| Params::new().hash_length(32).personal(person).clone();
        let state = |person: &[u8]| params(person).to_state();
        Hashers {
            key_params: params(b"sc4it/smt/key"),
            value_params: params(b"sc4it/smt/value"),
            leaf: state(b"sc4it/smt/leaf"),
            node: state(b"sc4it/smt/node"),
            parallel: std::thread::available_parallelism().is_ok_and(|n| n.get() > 1),
        }
    }

    /// CMT-13, CMT-14: the leaf changes of encoded entries, as `smt.entry_changes` computes them.
    /// `groups` yields (prefix, rows), each row (rest, value encoding or None): the path is the key hash
    /// of prefix ‖ rest, the value hash that of the encoding (None: the entry is removed). The hashes
    /// are independent, so they are computed `BATCH` entries at a time (`hash_batch`).
    fn entry_changes<'py>(&self, groups: &Bound<'py, PyAny>) -> PyResult<Vec<Change>> {
        let mut out = Vec::new();
        let mut batch = Batch::default();
        for group in groups.try_iter()? {
            let (prefix, rows): (Bound<'_, PyBytes>, Bound<'_, PyAny>) = group?.extract()?;
            for row in rows.try_iter()? {
                let (rest, value): (Bound<'_, PyBytes>, Option<Bound<'py, PyBytes>>) =
                    row?.extract()?;
                batch.keys.extend_from_slice(prefix.as_bytes());
                batch.keys.extend_from_slice(rest.as_bytes());
                batch.ends.push(batch.keys.len());
                batch.values.push(value);
                if batch.ends.len() == BATCH {
                    self.hash_batch(&mut batch, &mut out);
                }
            }
        }
        self.hash_batch(&mut batch, &mut out);
        Ok(out)
    }

    /// The leaf changes of the entries of `batch`, appended to `out` in order (`batch` emptied): all
    /// their key and value hashes computed together (`hash_many`: several inputs per SIMD pass).
    fn hash_batch(&self, batch: &mut Batch<'_>, out: &mut Vec<Change>) {
        let mut jobs = Vec::with_capacity(2 * batch.ends.len());
        let mut start = 0;
        for &end in &batch.ends {
            jobs.push(HashManyJob::new(&self.key_params, &batch.keys[start..end]));
            start = end;
        }
        for v in batch.values.iter().flatten() {
            jobs.push(HashManyJob::new(&self.value_params, v.as_bytes()));
        }
        hash_many(jobs.iter_mut());
        let digest = |job: &HashManyJob<'_>| to_hash(job.to_hash().as_bytes());
        let (key_jobs, value_jobs) = jobs.split_at(batch.ends.len());
        let mut value_hashes = value_jobs.iter().map(digest);
        out.extend(key_jobs.iter().zip(&batch.values).map(|(k, v)| {
            let vhash = v
                .as_ref()
                .map(|_| value_hashes.next().expect("one job per value"));
            (digest(k), vhash)
        }));
        drop(jobs);
        batch.keys.clear();
        batch.ends.clear();
        batch.values.clear();
    }

    /// CMT-16: a leaf, hashed BLAKE2b-256(path ‖ value hash) personalised `sc4it/smt/leaf`.
    fn leaf(&self, path: &Path, value: &Hash) -> (Child, Hash) {
        let mut h = self.leaf.clone();
        h.update(path);
        h.update(value);
        (
            Child::Leaf(Arc::new(Leaf {
                path: *path,
                value: *value,
            })),
            to_hash(h.finalize().as_bytes()),
        )
    }

    /// CMT-15: an inner node over four children, hashed in digit order (no collapse: see `canonical`).
    fn inner(&self, children: [Child; 4], hashes: [Hash; 4]) -> (Child, Hash) {
        let mut h = self.node.clone();
        h.update(hashes.as_flattened());
        (
            Child::Inner(Arc::new(Inner { hashes, children })),
            to_hash(h.finalize().as_bytes()),
        )
    }

    /// CMT-16: the canonical node over four children: empty if all are, the leaf itself if it is the
    /// only non-empty child, an inner node otherwise.
    fn canonical(&self, children: [Child; 4], hashes: [Hash; 4]) -> (Child, Hash) {
        let mut present = (0..4).filter(|&d| !matches!(children[d], Child::Empty));
        match (present.next(), present.next()) {
            (None, _) => (Child::Empty, EMPTY_HASH),
            (Some(d), None) if matches!(children[d], Child::Leaf(_)) => {
                (children[d].clone(), hashes[d])
            }
            _ => self.inner(children, hashes),
        }
    }

    /// The subtree at `depth` of `leaves`, sorted by path, distinct, sharing their first `depth` digits.
    fn build_sorted(&self, leaves: &[(Path, Hash)], depth: usize) -> (Child, Hash) {
        match leaves {
            [] => (Child::Empty, EMPTY_HASH),
            [(path, value)] => self.leaf(path, value),
            _ => {
                assert!(depth < MAX_DEPTH, "distinct paths differ in some digit");
                let cuts = bounds(leaves, |l| &l.0, depth);
                let parallel = self.parallel && depth == 0 && leaves.len() >= PARALLEL_MIN;
                let built = four(parallel, |d| {
                    self.build_sorted(&leaves[cuts[d]..cuts[d + 1]], depth + 1)
                });
                let hashes = std::array::from_fn(|d| built[d].1);
                self.inner(built.map(|(child, _)| child), hashes)
            }
        }
    }

    /// CMT-18: `node` (at `depth`, of hash `hash`) with `changes` applied, sorted by path, distinct.
    fn update(
        &self,
        node: &Child,
        hash: &Hash,
        changes: &[(Path, Option<Hash>)],
        depth: usize,
    ) -> (Child, Hash) {
        if changes.is_empty() {
            return (node.clone(), *hash);
        }
        match node {
            Child::Inner(inner) => {
                let cuts = bounds(changes, |c| &c.0, depth);
                for d in 0..4 {
                    inner.children[d].prefetch(cuts[d] < cuts[d + 1]);
                }
                let below = |d: usize| {
                    let part = &changes[cuts[d]..cuts[d + 1]];
                    self.update(&inner.children[d], &inner.hashes[d], part, depth + 1)
                };
                let parallel = self.parallel && depth == 0 && changes.len() >= PARALLEL_MIN;
                let updated = four(parallel, below);
                self.rejoin(node, hash, inner, updated)
            }
            Child::Leaf(leaf) => {
                if let [(p, v)] = changes {
                    if *p == leaf.path && v.as_ref() == Some(&leaf.value) {
                        return (node.clone(), *hash); // the same value: nothing changes
                    }
                }
                self.rebuild(Some((leaf.path, leaf.value)), changes, depth)
            }
            Child::Empty => self.rebuild(None, changes, depth),
        }
    }

    /// An inner node `node` (of hash `hash`) whose four subtrees were updated to `updated`: the same
    /// node if none changed, else the canonical node over them (CMT-16).
    fn rejoin(
        &self,
        node: &Child,
        hash: &Hash,
        inner: &Inner,
        updated: [(Child, Hash); 4],
    ) -> (Child, Hash) {
        if updated
            .iter()
            .zip(&inner.children)
            .all(|((a, _), b)| a.same(b))
        {
            return (node.clone(), *hash);
        }
        let hashes = std::array::from_fn(|d| updated[d].1);
        self.canonical(updated.map(|(child, _)| child), hashes)
    }

    /// A subtree that is empty or one leaf, with `changes`: built again from its leaves.
    fn rebuild(
        &self,
        old: Option<(Path, Hash)>,
        changes: &[(Path, Option<Hash>)],
        depth: usize,
    ) -> (Child, Hash) {
        let mut merged: Vec<(Path, Hash)> = Vec::with_capacity(changes.len() + 1);
        let mut old = old;
        for (p, v) in changes {
            if let Some((op, ov)) = old {
                if op < *p {
                    merged.push((op, ov));
                    old = None;
                } else if op == *p {
                    old = None;
                }
            }
            if let Some(v) = v {
                merged.push((*p, *v));
            }
        }
        merged.extend(old);
        self.build_sorted(&merged, depth)
    }
}

/// How many entries `Hashers::entry_changes` reads before hashing them together: enough for `hash_many`
/// to keep its lanes full, few enough that a build from scratch keeps no more than these alive.
const BATCH: usize = 1024;

/// Encoded entries read and not hashed yet: every key preimage (prefix ‖ rest) one after the other in
/// `keys`, where each ends, and each value encoding or None.
#[derive(Default)]
struct Batch<'py> {
    keys: Vec<u8>,
    ends: Vec<usize>,
    values: Vec<Option<Bound<'py, PyBytes>>>,
}

/// `[f(0), f(1), f(2), f(3)]`; with `parallel`, `f(2)` and `f(3)` on a second thread meanwhile.
fn four<T: Send>(parallel: bool, f: impl Fn(usize) -> T + Sync) -> [T; 4] {
    if !parallel {
        return std::array::from_fn(f);
    }
    std::thread::scope(|s| {
        let other = s.spawn(|| [f(2), f(3)]);
        let [a, b] = [f(0), f(1)];
        let [c, d] = other
            .join()
            .expect("building or updating a tree does not panic");
        [a, b, c, d]
    })
}

/// CMT-15: the digit of `path` at `depth` (the root is at 0), most significant bits first.
fn digit(path: &Path, depth: usize) -> usize {
    ((path[depth / 4] >> (6 - 2 * (depth % 4))) & 3) as usize
}

/// The five boundaries of the four children's ranges of `items`, sorted by path and sharing their first
/// `depth` digits.
fn bounds<T>(items: &[T], path: impl Fn(&T) -> &Path, depth: usize) -> [usize; 5] {
    let mut cuts = [0, 0, 0, 0, items.len()];
    for d in 1..4 {
        cuts[d] = cuts[d - 1] + items[cuts[d - 1]..].partition_point(|x| digit(path(x), depth) < d);
    }
    cuts
}

fn to_hash(bytes: &[u8]) -> Hash {
    bytes.try_into().expect("BLAKE2b-256 gives 32 bytes")
}

fn bytes32(b: &Bound<'_, PyBytes>, what: &str) -> PyResult<[u8; 32]> {
    b.as_bytes()
        .try_into()
        .map_err(|_| PyValueError::new_err(format!("a {what} is 32 bytes")))
}

fn sorted_distinct<T>(items: &mut [(Path, T)]) -> PyResult<()> {
    items.sort_unstable_by_key(|a| a.0);
    if items.windows(2).any(|w| w[0].0 == w[1].0) {
        return Err(PyValueError::new_err("duplicate paths"));
    }
    Ok(())
}

/// A tree (persistent: `update` returns a new one and leaves this one as it was).
#[pyclass(frozen, module = "sc4it_native")]
struct Tree {
    root: Child,
    hash: Hash,
    hashers: Arc<Hashers>,
}

#[pymethods]
impl Tree {
    /// The hash of the tree (CMT-15..CMT-17), 32 bytes.
    fn root<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.hash)
    }

    /// The tree with `changes` applied: (path, value hash) sets a leaf, (path, None) removes one.
    fn update(
        &self,
        py: Python<'_>,
        changes: Vec<(Bound<'_, PyBytes>, Option<Bound<'_, PyBytes>>)>,
    ) -> PyResult<Tree> {
        let mut items = Vec::with_capacity(changes.len());
        for (p, v) in &changes {
            let value = match v {
                Some(v) => Some(bytes32(v, "value hash")?),
                None => None,
            };
            items.push((bytes32(p, "path")?, value));
        }
        self.applied(py, items)
    }

    /// CMT-13, CMT-14, CMT-18: the tree with the encoded entries of `groups` changed: (prefix, rows),
    /// each row (rest of the key preimage, value encoding or None), as `smt.entry_changes` reads them.
    fn update_entries(&self, py: Python<'_>, groups: &Bound<'_, PyAny>) -> PyResult<Tree> {
        self.applied(py, self.hashers.entry_changes(groups)?)
    }

    /// CMT-20, CMT-21: the proof for `paths` (32 bytes each, present or absent), as `smt.prove` makes it.
    fn prove<'py>(
        &self,
        py: Python<'py>,
        paths: Vec<Bound<'py, PyBytes>>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let mut targets = paths
            .iter()
            .map(|p| bytes32(p, "path"))
            .collect::<PyResult<Vec<Path>>>()?;
        targets.sort_unstable();
        targets.dedup();
        let mut out = vec![1u8]; // PROOF_VERSION
        prove(&self.root, &self.hash, &targets, 0, &mut out);
        Ok(PyBytes::new(py, &out))
    }
}

impl Tree {
    /// The tree with `items` applied (CMT-18), once they are sorted and found distinct; other Python
    /// threads run meanwhile (the update reads no Python object).
    fn applied(&self, py: Python<'_>, mut items: Vec<Change>) -> PyResult<Tree> {
        sorted_distinct(&mut items)?;
        let (root, hash) = py.detach(|| self.hashers.update(&self.root, &self.hash, &items, 0));
        Ok(Tree {
            root,
            hash,
            hashers: self.hashers.clone(),
        })
    }
}

/// CMT-20: the tree pruned to `paths`, in pre-order: 0 empty, 1 an opaque hash, 2 a leaf, 3 an inner node.
fn prove(node: &Child, hash: &Hash, paths: &[Path], depth: usize, out: &mut Vec<u8>) {
    match node {
        Child::Empty => out.push(0),
        _ if paths.is_empty() => {
            out.push(1);
            out.extend_from_slice(hash);
        }
        Child::Leaf(leaf) => {
            out.push(2);
            out.extend_from_slice(&leaf.path);
            out.extend_from_slice(&leaf.value);
        }
        Child::Inner(inner) => {
            out.push(3);
            let cuts = bounds(paths, |p| p, depth);
            for d in 0..4 {
                prove(
                    &inner.children[d],
                    &inner.hashes[d],
                    &paths[cuts[d]..cuts[d + 1]],
                    depth + 1,
                    out,
                );
            }
        }
    }
}

/// The tree of `leaves` (path, value hash), paths distinct, from scratch (CMT-16).
#[pyfunction]
fn build(leaves: Vec<(Bound<'_, PyBytes>, Bound<'_, PyBytes>)>) -> PyResult<Tree> {
    let mut items = Vec::with_capacity(leaves.len());
    for (p, v) in &leaves {
        items.push((bytes32(p, "path")?, bytes32(v, "value hash")?));
    }
    drop(leaves);
    built(items, Arc::new(Hashers::new()))
}

/// CMT-13, CMT-14, CMT-16: the tree of encoded entries (`groups` as `Tree.update_entries` reads them,
/// every value an encoding: None is a ValueError), from scratch.
#[pyfunction]
fn build_entries(groups: &Bound<'_, PyAny>) -> PyResult<Tree> {
    let hashers = Arc::new(Hashers::new());
    let mut items = Vec::new();
    for (path, value) in hashers.entry_changes(groups)? {
        let value = value.ok_or_else(|| PyValueError::new_err("an entry to build has a value"))?;
        items.push((path, value));
    }
    built(items, hashers)
}

/// CMT-13, CMT-14: the (path, value hash or None) of encoded entries (`groups` as
/// `Tree.update_entries` reads them), in their order: what `smt.entry_changes` gives, as 32-byte paths.
#[pyfunction]
fn entry_changes<'py>(py: Python<'py>, groups: &Bound<'py, PyAny>) -> PyResult<Vec<PyChange<'py>>> {
    let changes = Hashers::new().entry_changes(groups)?;
    Ok(changes
        .iter()
        .map(|(p, v)| (PyBytes::new(py, p), v.map(|v| PyBytes::new(py, &v))))
        .collect())
}

fn built(mut items: Vec<(Path, Hash)>, hashers: Arc<Hashers>) -> PyResult<Tree> {
    sorted_distinct(&mut items)?;
    let (root, hash) = hashers.build_sorted(&items, 0);
    Ok(Tree {
        root,
        hash,
        hashers,
    })
}

#[pymodule]
fn sc4it_native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Tree>()?;
    m.add_function(wrap_pyfunction!(build, m)?)?;
    m.add_function(wrap_pyfunction!(build_entries, m)?)?;
    m.add_function(wrap_pyfunction!(entry_changes, m)?)?;
    Ok(())
}
