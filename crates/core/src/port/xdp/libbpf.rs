//! Debian's libbpf (package libbpf1, which iproute2 already depends on), loaded at run time with
//! dlopen: the BPF side of the af_xdp port (map, program, bpf_link) goes through a maintained
//! library, while building Ringway needs no libbpf headers and a machine without libbpf still runs
//! every other port. Only libbpf's stable low-level API (bpf.h, libbpf 1.0+) is used; every call
//! returns a negative errno on failure (libbpf 1.0 error convention).
use crate::error::{Error, Result};
use std::ffi::{c_char, c_int, c_void, CStr};
use std::sync::OnceLock;

/// struct bpf_prog_load_opts (libbpf 1.1 layout; `sz` tells newer libbpf which fields we know)
#[repr(C)]
#[derive(Default)]
pub struct ProgLoadOpts {
    pub sz: usize,
    pub attempts: c_int,
    pub expected_attach_type: u32,
    pub prog_btf_fd: u32,
    pub prog_flags: u32,
    pub prog_ifindex: u32,
    pub kern_version: u32,
    pub attach_btf_id: u32,
    pub attach_prog_fd: u32,
    pub attach_btf_obj_fd: u32,
    pub fd_array: usize,
    pub func_info: usize,
    pub func_info_cnt: u32,
    pub func_info_rec_size: u32,
    pub line_info: usize,
    pub line_info_cnt: u32,
    pub line_info_rec_size: u32,
    pub log_level: u32,
    pub log_size: u32,
    pub log_buf: usize,
}

/// struct bpf_link_create_opts, the fields up to `flags` (libbpf reads what `sz` covers)
#[repr(C)]
pub struct LinkCreateOpts {
    pub sz: usize,
    pub flags: u32,
    pub _pad: u32,
}

/// struct bpf_insn
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Insn {
    pub code: u8,
    /// dst_reg in the low nibble, src_reg in the high one
    pub regs: u8,
    pub off: i16,
    pub imm: i32,
}

type MapCreate = unsafe extern "C" fn(u32, *const c_char, u32, u32, u32, *const c_void) -> c_int;
type ProgLoad = unsafe extern "C" fn(u32, *const c_char, *const c_char, *const Insn, usize, *const ProgLoadOpts) -> c_int;
type LinkCreate = unsafe extern "C" fn(c_int, c_int, u32, *const LinkCreateOpts) -> c_int;
type MapUpdate = unsafe extern "C" fn(c_int, *const c_void, *const c_void, u64) -> c_int;
type XdpQueryId = unsafe extern "C" fn(c_int, c_int, *mut u32) -> c_int;
type PrintFn = unsafe extern "C" fn(c_int, *const c_char, *mut c_void) -> c_int;
type SetPrint = unsafe extern "C" fn(Option<PrintFn>) -> Option<PrintFn>;

pub struct Libbpf {
    pub map_create: MapCreate,
    pub prog_load: ProgLoad,
    pub link_create: LinkCreate,
    pub map_update: MapUpdate,
    pub xdp_query_id: XdpQueryId,
}

fn load() -> std::result::Result<Libbpf, String> {
    // SAFETY: dlopen of a NUL-terminated soname; the handle is never closed (the functions stay valid).
    let h = unsafe { libc::dlopen(c"libbpf.so.1".as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL) };
    if h.is_null() {
        // SAFETY: dlerror returns a NUL-terminated string or NULL.
        let e = unsafe { libc::dlerror() };
        // SAFETY: e is non-null here and NUL-terminated (dlerror's contract).
        let why = if e.is_null() { "unknown".into() } else { unsafe { CStr::from_ptr(e) }.to_string_lossy().into_owned() };
        return Err(why);
    }
    let sym = |name: &CStr| -> std::result::Result<*mut c_void, String> {
        // SAFETY: h is a live handle; name is NUL-terminated.
        let p = unsafe { libc::dlsym(h, name.as_ptr()) };
        if p.is_null() {
            Err(format!("libbpf.so.1 has no {name:?} (libbpf older than 1.0?)"))
        } else {
            Ok(p)
        }
    };
    // SAFETY: each symbol has the C signature of libbpf 1.x's bpf.h / libbpf.h, which the types above copy.
    unsafe {
        let set_print: SetPrint = std::mem::transmute::<*mut c_void, SetPrint>(sym(c"libbpf_set_print")?);
        // libbpf's own warnings go to stderr by default; we report failures ourselves, with the fix.
        set_print(Some(quiet));
        Ok(Libbpf {
            map_create: std::mem::transmute::<*mut c_void, MapCreate>(sym(c"bpf_map_create")?),
            prog_load: std::mem::transmute::<*mut c_void, ProgLoad>(sym(c"bpf_prog_load")?),
            link_create: std::mem::transmute::<*mut c_void, LinkCreate>(sym(c"bpf_link_create")?),
            map_update: std::mem::transmute::<*mut c_void, MapUpdate>(sym(c"bpf_map_update_elem")?),
            xdp_query_id: std::mem::transmute::<*mut c_void, XdpQueryId>(sym(c"bpf_xdp_query_id")?),
        })
    }
}

unsafe extern "C" fn quiet(_level: c_int, _fmt: *const c_char, _args: *mut c_void) -> c_int {
    0
}

/// The process's libbpf, or the error naming the package to install.
pub fn get() -> Result<&'static Libbpf> {
    static L: OnceLock<std::result::Result<Libbpf, String>> = OnceLock::new();
    L.get_or_init(load).as_ref().map_err(|why| {
        Error::Unsupported(format!(
            "af_xdp ports load their XDP program with libbpf, which could not be loaded ({why}): install it with `apt-get install libbpf1`"
        ))
    })
}

/// The id of the XDP program attached to `ifindex` in any mode (0: none), for `ringway devices`.
pub fn xdp_prog_id(ifindex: u32) -> Option<u32> {
    let l = get().ok()?;
    let mut id = 0u32;
    // SAFETY: id is a valid out pointer; flags 0 = whichever mode is attached.
    (unsafe { (l.xdp_query_id)(ifindex as c_int, 0, &mut id) } == 0).then_some(id)
}
