// The entry point (calling the kernel's `kernel(wg, lid)`) and sums of
// matmul.wgsl, matmul_prepared.wgsl and quantize_x.wgsl, where the device has no subgroups (or an
// output has more threads than a subgroup): partial sums halved in workgroup
// memory, a barrier a step.

var<workgroup> partial: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  kernel(wg, lid);
}

// The sum of v over the WG / ROWS threads of one output (t: this thread's
// index among them), exact at t = 0. Called by the whole workgroup at once.
fn reduce_output(v: f32, t: u32, lid: u32) -> f32 {
  partial[lid] = v;
  workgroupBarrier();
  for (var stride = (WG / ROWS) / 2u; stride > 0u; stride /= 2u) {
    if (t < stride) {
      partial[lid] += partial[lid + stride];
    }
    workgroupBarrier();
  }
  let total = partial[lid];
  workgroupBarrier();
  return total;
}

// The sum of v over the whole workgroup, for every thread. Called by the whole workgroup at once.
fn workgroup_sum(v: f32, lid: u32) -> f32 {
  partial[lid] = v;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (lid < stride) {
      partial[lid] += partial[lid + stride];
    }
    workgroupBarrier();
  }
  let total = partial[0];
  workgroupBarrier();
  return total;
}
