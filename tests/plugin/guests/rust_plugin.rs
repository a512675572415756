// rust_plugin.rs: a compatibility plugin in Rust (Debian's rustc 1.63, wasm32-wasi, no cargo, no
// crates): it declares the "extism:host/env" imports itself, as Extism's Rust PDK does, and
// exports greet, count_vowels (the same JSON as examples/plugins/count_vowels.c), counter (a var
// that grows across calls of one instance), fail (error_set) and panic (a trap). Rust's std on
// WASI imports wasi_snapshot_preview1, so hosts run it with WASI linked.

#[link(wasm_import_module = "extism:host/env")]
extern "C" {
    fn input_length() -> u64;
    fn input_load_u8(offset: u64) -> u32;
    fn input_load_u64(offset: u64) -> u64;
    fn alloc(len: u64) -> u64;
    fn free(offset: u64);
    fn length(offset: u64) -> u64;
    fn load_u8(addr: u64) -> u32;
    fn load_u64(addr: u64) -> u64;
    fn store_u8(addr: u64, value: u32);
    fn store_u64(addr: u64, value: u64);
    fn output_set(offset: u64, len: u64);
    fn error_set(offset: u64);
    fn config_get(key: u64) -> u64;
    fn var_get(key: u64) -> u64;
    fn var_set(key: u64, value: u64);
    fn log_info(msg: u64);
}

/// The whole input: 8 bytes per host call, then the tail byte by byte.
fn input() -> Vec<u8> {
    let n = unsafe { input_length() };
    let mut out = Vec::with_capacity(n as usize);
    let mut i = 0;
    while i + 8 <= n {
        out.extend_from_slice(&unsafe { input_load_u64(i) }.to_le_bytes());
        i += 8;
    }
    while i < n {
        out.push(unsafe { input_load_u8(i) } as u8);
        i += 1;
    }
    out
}

/// A new block holding data (0 for empty data).
fn block(data: &[u8]) -> u64 {
    if data.is_empty() {
        return 0;
    }
    let b = unsafe { alloc(data.len() as u64) };
    let mut chunks = data.chunks_exact(8);
    let mut pos = b;
    for word in &mut chunks {
        unsafe { store_u64(pos, u64::from_le_bytes(word.try_into().unwrap())) };
        pos += 8;
    }
    for &byte in chunks.remainder() {
        unsafe { store_u8(pos, byte as u32) };
        pos += 1;
    }
    b
}

/// The bytes of a block.
fn read(b: u64) -> Vec<u8> {
    let n = unsafe { length(b) };
    let mut out = Vec::with_capacity(n as usize);
    let mut i = 0;
    while i + 8 <= n {
        out.extend_from_slice(&unsafe { load_u64(b + i) }.to_le_bytes());
        i += 8;
    }
    while i < n {
        out.push(unsafe { load_u8(b + i) } as u8);
        i += 1;
    }
    out
}

fn output(data: &[u8]) {
    unsafe { output_set(block(data), data.len() as u64) };
}

fn error(msg: &str) -> i32 {
    unsafe { error_set(block(msg.as_bytes())) };
    1
}

/// Looks key up with get (config_get or var_get); frees the blocks it made.
fn lookup(get: unsafe extern "C" fn(u64) -> u64, key: &str) -> Option<Vec<u8>> {
    let k = block(key.as_bytes());
    let v = unsafe { get(k) };
    let value = if v == 0 { None } else { Some(read(v)) };
    unsafe {
        free(k);
        if v != 0 {
            free(v);
        }
    }
    value
}

fn var_store(key: &str, value: &[u8]) {
    let (k, v) = (block(key.as_bytes()), block(value));
    unsafe {
        var_set(k, v);
        free(k);
        free(v);
    }
}

/// A u64 var (8 bytes, little-endian), 0 when unset.
fn var_u64(key: &str) -> Result<u64, i32> {
    match lookup(var_get, key) {
        None => Ok(0),
        Some(bytes) => match bytes.as_slice().try_into() {
            Ok(arr) => Ok(u64::from_le_bytes(arr)),
            Err(_) => Err(error(&format!("rust_plugin: var {} is not 8 bytes", key))),
        },
    }
}

/// greet: "Hello, <input>!"
#[no_mangle]
pub extern "C" fn greet() -> i32 {
    let name = input();
    let mut out = b"Hello, ".to_vec();
    out.extend_from_slice(&name);
    out.push(b'!');
    output(&out);
    0
}

/// count_vowels: {"count":N,"total":T,"vowels":"..."}, the vowels from config "vowels"
/// (default aeiouAEIOU), the total kept in var "total" across calls.
#[no_mangle]
pub extern "C" fn count_vowels() -> i32 {
    let vowels = lookup(config_get, "vowels").unwrap_or_else(|| b"aeiouAEIOU".to_vec());
    let count = input().iter().filter(|b| vowels.contains(b)).count() as u64;
    let total = match var_u64("total") {
        Ok(t) => t + count,
        Err(rc) => return rc,
    };
    var_store("total", &total.to_le_bytes());
    let mut out = format!("{{\"count\":{},\"total\":{},\"vowels\":\"", count, total).into_bytes();
    for &b in &vowels {
        match b {
            b'"' | b'\\' => out.extend_from_slice(&[b'\\', b]),
            0..=0x1f => out.extend_from_slice(format!("\\u{:04x}", b).as_bytes()),
            _ => out.push(b),
        }
    }
    out.extend_from_slice(b"\"}");
    output(&out);
    0
}

/// counter: var "counter" plus one, printed (1, 2, 3, ... in one instance).
#[no_mangle]
pub extern "C" fn counter() -> i32 {
    let n = match var_u64("counter") {
        Ok(n) => n + 1,
        Err(rc) => return rc,
    };
    var_store("counter", &n.to_le_bytes());
    unsafe { log_info(block(format!("rust_plugin: counter is {}", n).as_bytes())) };
    output(n.to_string().as_bytes());
    0
}

/// fail: the call fails with "rust_plugin: deliberate failure".
#[no_mangle]
pub extern "C" fn fail() -> i32 {
    error("rust_plugin: deliberate failure")
}

/// panic: a Rust panic, which on wasm32 aborts with a trap (after printing to stderr).
#[no_mangle]
pub extern "C" fn panic() -> i32 {
    panic!("rust_plugin: deliberate panic")
}
