// attention_combine.wgsl with nothing to write but the attention's output.

fn store_new(token: u32, head: u32, d: u32, pos: i32) {}
