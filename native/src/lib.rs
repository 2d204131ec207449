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
}

/// The prepared hashers of CMT-16 and CMT-15 (BLAKE2b-256 personalised `sc4it/smt/leaf`, `.../node`):
/// cloning a prepared state skips setting up the parameter block per hash.
struct Hashers {
    leaf: State,
    node: State,
}

impl Hashers {
    fn new() -> Self {
        let state = |person: &[u8]| Params::new().hash_length(32).personal(person).to_state();
        Hashers {
            leaf: state(b"sc4it/smt/leaf"),
            node: state(b"sc4it/smt/node"),
        }
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
    fn from_sorted(&self, leaves: &[(Path, Hash)], depth: usize) -> (Child, Hash) {
        match leaves {
            [] => (Child::Empty, EMPTY_HASH),
            [(path, value)] => self.leaf(path, value),
            _ => {
                assert!(depth < MAX_DEPTH, "distinct paths differ in some digit");
                let cuts = bounds(leaves, |l| &l.0, depth);
                let mut hashes = [EMPTY_HASH; 4];
                let children = std::array::from_fn(|d| {
                    let (child, hash) = self.from_sorted(&leaves[cuts[d]..cuts[d + 1]], depth + 1);
                    hashes[d] = hash;
                    child
                });
                self.inner(children, hashes)
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
                let mut hashes = inner.hashes;
                let children: [Child; 4] = std::array::from_fn(|d| {
                    let (child, h) = self.update(
                        &inner.children[d],
                        &inner.hashes[d],
                        &changes[cuts[d]..cuts[d + 1]],
                        depth + 1,
                    );
                    hashes[d] = h;
                    child
                });
                if children.iter().zip(&inner.children).all(|(a, b)| a.same(b)) {
                    return (node.clone(), *hash);
                }
                self.canonical(children, hashes)
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
        self.from_sorted(&merged, depth)
    }
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
    items.sort_unstable_by(|a, b| a.0.cmp(&b.0));
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
        sorted_distinct(&mut items)?;
        let (root, hash) = self.hashers.update(&self.root, &self.hash, &items, 0);
        Ok(Tree {
            root,
            hash,
            hashers: self.hashers.clone(),
        })
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
    sorted_distinct(&mut items)?;
    let hashers = Arc::new(Hashers::new());
    let (root, hash) = hashers.from_sorted(&items, 0);
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
    Ok(())
}
