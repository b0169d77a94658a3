// The entry point (calling the kernel's `kernel(wg, lid)`) and sums of
// matmul.wgsl, matmul_prepared.wgsl and quantize_x.wgsl, with subgroup operations (the WGSL
// `subgroups` extension and the `subgroup_id` builtin; kernels.ts puts
// `enable subgroups;` first): the threads of one output are consecutive lanes
// of one subgroup (plan.ts picks this only where an output's threads fit the
// smallest subgroup and the workgroup is whole subgroups), so their sum is a
// butterfly of shuffles, with no workgroup memory and no barrier. The
// invocation index is made from the subgroup's id and lane, so that the
// lanes a shuffle pairs are the threads the kernel gave the same output.

// the subgroup size, the same for every invocation
var<private> subgroup_width: u32;
// one sum per subgroup, for workgroup_sum (256 threads over subgroups of at least 4)
var<workgroup> subgroup_sums: array<f32, 64>;

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wg: vec3<u32>,
  @builtin(subgroup_id) subgroup: u32,
  @builtin(subgroup_size) size: u32,
  @builtin(subgroup_invocation_id) lane: u32,
) {
  subgroup_width = size;
  kernel(wg, subgroup * size + lane);
}

// The sum of v over the WG / ROWS threads of one output, the same at each of
// them (halves paired as reduce-shared.wgsl pairs them: the same result bit for bit).
fn reduce_output(v: f32, t: u32, lid: u32) -> f32 {
  var sum = v;
  for (var offset = (WG / ROWS) / 2u; offset > 0u; offset /= 2u) {
    sum += subgroupShuffleXor(sum, offset);
  }
  return sum;
}

// The sum of v over the whole workgroup, for every thread: each subgroup's
// sum, then those. Called by the whole workgroup at once.
fn workgroup_sum(v: f32, lid: u32) -> f32 {
  let own = subgroupAdd(v);
  if (lid % subgroup_width == 0u) {
    subgroup_sums[lid / subgroup_width] = own;
  }
  workgroupBarrier();
  var total = 0.0;
  for (var i = 0u; i < WG / subgroup_width; i++) {
    total += subgroup_sums[i];
  }
  workgroupBarrier();
  return total;
}
