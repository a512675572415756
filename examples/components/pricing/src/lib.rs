//! pricing: the acme:shop/pricing@0.1.0 component (world pricing-service), in Rust with neither
//! std nor crates. It owns the price rules of wit/shop.wit and the canonical ABI glue a bindings
//! generator would otherwise write: cabi_realloc over a bump arena, lifting `list<line>` and
//! `option<string>` from the flat arguments, lowering `result<u64, string>` into a return area,
//! and the post-return function that frees it all. It knows nothing of products or HTTP.
//!
//! Built for wasm32-wasi with #![no_std] and +bulk-memory (see ../build.sh): the core module
//! imports nothing, so `jco new` needs no WASI adapter. Rust 1.63's std would import fd_write,
//! environ_get and proc_exit even here, and no_std with the `alloc` crate needs the then-unstable
//! #[alloc_error_handler]. Without libc, nothing defines memcpy or memcmp: +bulk-memory turns
//! copies into memory.copy, and strs are compared with `same`, never `==` (which calls memcmp,
//! left by wasm-ld as an import from "env" that `jco new` rejects).
#![no_std]

use core::arch::wasm32;
use core::{mem, ptr, slice, str};

/// The component's whole heap: what cabi_realloc hands out lives until the post-return function
/// empties the arena, when the host has read the call's results. One call at a time uses it.
mod arena {
    use core::arch::wasm32;

    const PAGE: u64 = 65536;

    extern "C" {
        /// The first byte past the data and the stack, defined by wasm-ld.
        static __heap_base: u8;
    }

    /// The next free byte, 0 while the arena is empty.
    static mut TOP: usize = 0;

    /// `size` bytes aligned to `align` (a power of two), growing the memory if they do not fit;
    /// traps when memory cannot grow. The arithmetic is in 64 bits so no size wraps around.
    pub unsafe fn alloc(align: usize, size: usize) -> *mut u8 {
        if !align.is_power_of_two() {
            wasm32::unreachable();
        }
        if TOP == 0 {
            TOP = &__heap_base as *const u8 as usize;
        }
        let start = (TOP as u64 + align as u64 - 1) & !(align as u64 - 1);
        let end = start + size as u64;
        let have = wasm32::memory_size(0) as u64 * PAGE;
        if end > have && wasm32::memory_grow(0, ((end - have + PAGE - 1) / PAGE) as usize) == usize::MAX {
            wasm32::unreachable();
        }
        TOP = end as usize;
        start as *mut u8
    }

    /// Frees everything at once.
    pub unsafe fn reset() {
        TOP = 0;
    }
}

/// The canonical ABI's allocator: the host calls it to place the arguments of a call (the list of
/// lines, every string, every list of tags) in this component's memory before calling price.
#[no_mangle]
pub unsafe extern "C" fn cabi_realloc(old: *mut u8, old_size: usize, align: usize, new_size: usize) -> *mut u8 {
    let new = arena::alloc(align, new_size);
    if !old.is_null() {
        ptr::copy_nonoverlapping(old, new, old_size.min(new_size));
    }
    new
}

// ---- memory layout ------------------------------------------------------------------------
// The canonical ABI lays a record out as C lays out a struct (each field at its own alignment,
// the whole aligned to its widest field), so #[repr(C)] structs give the same offsets on wasm32,
// where pointers and usize are 32 bits. The asserts hold the sizes to the canonical ones.

/// `string`: a pointer to UTF-8 bytes and their count (the same two values when flat).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct WasmStr {
    ptr: *const u8,
    len: usize,
}

/// `list<T>`: a pointer to `len` elements, one after the other.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct WasmList<T> {
    ptr: *const T,
    len: usize,
}

/// `option<T>`: a u8 discriminant (0 none, 1 some), then the payload at its alignment.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct WasmOption<T> {
    is_some: u8,
    value: T,
}

/// `line` in memory: sku at 0, qty at 8, unit-cents at 16, tags at 24, discount-pct at 32;
/// 40 bytes, aligned to 8 (by unit-cents).
#[repr(C)]
pub struct WasmLine {
    sku: WasmStr,
    qty: u32,
    unit_cents: u64,
    tags: WasmList<WasmStr>,
    discount_pct: WasmOption<u8>,
}
const _: () = assert!(mem::size_of::<WasmLine>() == 40 && mem::align_of::<WasmLine>() == 8);

/// The return area of price, `result<u64, string>`: a u8 discriminant (0 ok, 1 err), then at 8
/// (the payload's alignment, from u64) either the u64 or the string; 16 bytes in all.
#[repr(C)]
pub struct PriceResult {
    is_err: u8,
    payload: ResultPayload,
}
#[repr(C)]
union ResultPayload {
    ok: u64,
    err: WasmStr,
}
const _: () = assert!(mem::size_of::<PriceResult>() == 16 && mem::align_of::<PriceResult>() == 8);

static mut PRICE_RESULT: PriceResult = PriceResult { is_err: 0, payload: ResultPayload { ok: 0 } };

// ---- lifting ------------------------------------------------------------------------------
// The lifted values borrow the argument memory rather than copy it: the arena keeps it until
// post-return. A host that lowered the arguments has already checked them; the checks here
// (alignment, UTF-8, discriminants) turn a broken one into a trap rather than a wrong price.

/// A `list<T>` as a slice (a length-0 list may have any pointer, even 0).
unsafe fn lift_list<'a, T>(list: WasmList<T>) -> &'a [T] {
    if list.len == 0 {
        return &[];
    }
    if list.ptr as usize % mem::align_of::<T>() != 0 {
        wasm32::unreachable();
    }
    slice::from_raw_parts(list.ptr, list.len)
}

unsafe fn lift_str<'a>(s: WasmStr) -> &'a str {
    let bytes = lift_list(WasmList { ptr: s.ptr, len: s.len });
    match str::from_utf8(bytes) {
        Ok(s) => s,
        Err(_) => wasm32::unreachable(),
    }
}

unsafe fn lift_option<T: Copy>(o: WasmOption<T>) -> Option<T> {
    match o.is_some {
        0 => None,
        1 => Some(o.value),
        _ => wasm32::unreachable(),
    }
}

/// An order line as the price rules see it.
struct Line<'a> {
    sku: &'a str,
    qty: u32,
    unit_cents: u64,
    tags: &'a [WasmStr],
    discount_pct: Option<u8>,
}

impl<'a> Line<'a> {
    unsafe fn lift(raw: &'a WasmLine) -> Line<'a> {
        Line {
            sku: lift_str(raw.sku),
            qty: raw.qty,
            unit_cents: raw.unit_cents,
            tags: lift_list(raw.tags),
            discount_pct: lift_option(raw.discount_pct),
        }
    }

    fn has_tag(&self, tag: &str) -> bool {
        self.tags.iter().any(|t| same(unsafe { lift_str(*t) }, tag))
    }
}

/// String equality without memcmp (see the top of the file).
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).all(|(x, y)| x == y)
}

// ---- the price rules ----------------------------------------------------------------------

enum PriceError<'a> {
    ZeroQty(&'a str),
    DiscountOver100(&'a str),
    Overflow,
    UnknownCoupon(&'a str),
}

impl<'a> PriceError<'a> {
    /// The message, as a fixed text and the sku or coupon it names.
    fn message(&self) -> (&'static str, &'a str) {
        match *self {
            PriceError::ZeroQty(sku) => ("zero qty for sku: ", sku),
            PriceError::DiscountOver100(sku) => ("discount-pct over 100 for sku: ", sku),
            PriceError::Overflow => ("total overflows u64", ""),
            PriceError::UnknownCoupon(coupon) => ("unknown coupon: ", coupon),
        }
    }
}

/// Each line costs qty * unit-cents * (100 - discount-pct) / 100, rounded down; the coupon
/// "TENOFF" then takes a tenth (rounded down) of the lines not tagged "no-coupon". The sums are
/// in u128, where no line can overflow, and checked against u64 after every line.
fn price<'a>(lines: impl Iterator<Item = Line<'a>>, coupon: Option<&'a str>) -> Result<u64, PriceError<'a>> {
    let mut total: u128 = 0;
    let mut couponable: u128 = 0;
    for line in lines {
        if line.qty == 0 {
            return Err(PriceError::ZeroQty(line.sku));
        }
        let pct = line.discount_pct.unwrap_or(0);
        if pct > 100 {
            return Err(PriceError::DiscountOver100(line.sku));
        }
        let cents = line.qty as u128 * line.unit_cents as u128 * (100 - pct as u128) / 100;
        total += cents;
        if total > u64::MAX as u128 {
            return Err(PriceError::Overflow);
        }
        if !line.has_tag("no-coupon") {
            couponable += cents;
        }
    }
    let off = match coupon {
        None => 0,
        Some(c) if same(c, "TENOFF") => couponable / 10,
        Some(other) => return Err(PriceError::UnknownCoupon(other)),
    };
    Ok((total - off) as u64)
}

// ---- the export ---------------------------------------------------------------------------

/// price(lines: list<line>, coupon: option<string>) -> result<u64, string>. Flat, the arguments
/// are five i32s: the list's pointer and length, then the option's discriminant and its string's
/// pointer and length (both 0 for none). The result flattens to three values (i32 discriminant,
/// i64 payload, i32), more than the one a core function may return, so it goes to a return area
/// and the function returns the area's address.
#[export_name = "acme:shop/pricing@0.1.0#price"]
pub unsafe extern "C" fn export_price(
    lines_ptr: *const WasmLine,
    lines_len: usize,
    coupon_is_some: u32,
    coupon_ptr: *const u8,
    coupon_len: usize,
) -> *const PriceResult {
    let lines = lift_list(WasmList { ptr: lines_ptr, len: lines_len });
    let coupon = match coupon_is_some {
        0 => None,
        1 => Some(lift_str(WasmStr { ptr: coupon_ptr, len: coupon_len })),
        _ => wasm32::unreachable(),
    };
    let result = &mut *ptr::addr_of_mut!(PRICE_RESULT);
    match price(lines.iter().map(|raw| Line::lift(raw)), coupon) {
        Ok(cents) => {
            result.is_err = 0;
            result.payload.ok = cents;
        }
        Err(e) => {
            result.is_err = 1;
            result.payload.err = lower_message(e.message());
        }
    }
    result
}

/// Concatenates the message's parts into the arena, where post-return frees them.
unsafe fn lower_message((text, subject): (&str, &str)) -> WasmStr {
    let len = text.len() + subject.len();
    let out = arena::alloc(1, len);
    ptr::copy_nonoverlapping(text.as_ptr(), out, text.len());
    ptr::copy_nonoverlapping(subject.as_ptr(), out.add(text.len()), subject.len());
    WasmStr { ptr: out, len }
}

/// Post-return: the host has lifted the result, so the error string and the arguments can go.
#[export_name = "cabi_post_acme:shop/pricing@0.1.0#price"]
pub unsafe extern "C" fn post_price(_result: *const PriceResult) {
    arena::reset();
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    wasm32::unreachable()
}
