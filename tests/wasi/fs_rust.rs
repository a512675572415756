// fs_rust.rs: WASI test through Rust's std::fs (Debian's rustc 1.63, wasm32-wasi): writes, reads
// back, appends, seeks, lists a directory, renames, copies, removes files and trees, and reports
// errors by their io::ErrorKind. Works in the current directory (a preopen under weft); prints
// the same text natively.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, ErrorKind, Read, Seek, SeekFrom, Write};
use std::path::Path;

// Rust 1.63's std on WASI leaves some errnos Uncategorized, so errors are named from the raw
// number, which differs between WASI and Linux.
#[cfg(target_os = "wasi")]
const ERRNO_NAMES: &[(i32, &str)] =
    &[(44, "ENOENT"), (20, "EEXIST"), (55, "ENOTEMPTY"), (54, "ENOTDIR"), (31, "EISDIR")];
#[cfg(not(target_os = "wasi"))]
const ERRNO_NAMES: &[(i32, &str)] =
    &[(2, "ENOENT"), (17, "EEXIST"), (39, "ENOTEMPTY"), (20, "ENOTDIR"), (21, "EISDIR")];

fn kind(r: io::Result<()>) -> String {
    match r {
        Ok(()) => "ok".to_string(),
        Err(e) => {
            let code = e.raw_os_error().unwrap_or(-1);
            let name = ERRNO_NAMES.iter().find(|(c, _)| *c == code).map_or("other", |(_, n)| *n);
            format!("{} ({:?})", name, e.kind())
        }
    }
}

fn listing(dir: &str) -> io::Result<Vec<String>> {
    let mut names = Vec::new();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let ty = entry.file_type()?;
        let tag = if ty.is_dir() {
            "d"
        } else if ty.is_symlink() {
            "l"
        } else {
            "f"
        };
        names.push(format!("{} {}", tag, entry.file_name().to_string_lossy()));
    }
    // sort by name, not by the type tag
    names.sort_by(|a, b| a[2..].cmp(&b[2..]));
    Ok(names)
}

fn run() -> io::Result<()> {
    println!("== write, read, append");
    fs::create_dir_all("work/nested/deeper")?;
    fs::write("work/hello.txt", "hello from rust\n")?;
    println!("read_to_string: {:?}", fs::read_to_string("work/hello.txt")?);
    {
        let mut f = OpenOptions::new().append(true).open("work/hello.txt")?;
        writeln!(f, "appended line {}", 2)?;
        f.sync_all()?;
    }
    let reader = BufReader::new(File::open("work/hello.txt")?);
    for (i, line) in reader.lines().enumerate() {
        println!("line {}: {}", i + 1, line?);
    }
    println!("len: {}", fs::metadata("work/hello.txt")?.len());

    println!("== seek, overwrite, set_len");
    {
        let mut f = OpenOptions::new().read(true).write(true).open("work/hello.txt")?;
        f.seek(SeekFrom::Start(6))?;
        f.write_all(b"FROM")?;
        f.seek(SeekFrom::End(-5))?;
        let mut tail = String::new();
        f.read_to_string(&mut tail)?;
        println!("tail: {:?}", tail);
        println!("position: {}", f.stream_position()?);
        f.set_len(10)?;
    }
    println!("after set_len: {:?}", fs::read_to_string("work/hello.txt")?);

    println!("== binary data");
    let data: Vec<u8> = (0..100_000u32).map(|i| (i.wrapping_mul(2654435761) >> 24) as u8).collect();
    fs::write("work/nested/data.bin", &data)?;
    let back = fs::read("work/nested/data.bin")?;
    let sum = back.iter().fold(0u64, |h, &b| (h ^ b as u64).wrapping_mul(0x100000001b3));
    println!("binary: {} bytes, equal {}, hash {:016x}", back.len(), back == data, sum);

    println!("== directories");
    for i in 0..5 {
        fs::write(format!("work/file{}.txt", i), format!("number {}\n", i))?;
    }
    println!("listing work: {:?}", listing("work")?);
    fs::rename("work/file0.txt", "work/nested/moved.txt")?;
    fs::copy("work/file1.txt", "work/nested/copy.txt")?;
    println!("copied: {:?}", fs::read_to_string("work/nested/copy.txt")?);
    fs::rename("work/nested/deeper", "work/renamed_dir")?;
    fs::remove_file("work/file2.txt")?;
    println!("listing work: {:?}", listing("work")?);
    println!("listing work/nested: {:?}", listing("work/nested")?);
    let md = fs::metadata("work/nested")?;
    println!("nested is_dir {} is_file {}", md.is_dir(), md.is_file());
    println!("exists hello.txt {}, missing.txt {}", Path::new("work/hello.txt").exists(),
             Path::new("work/missing.txt").exists());

    println!("== errors");
    println!("open missing: {}", kind(File::open("work/missing.txt").map(|_| ())));
    println!("create_dir existing: {}", kind(fs::create_dir("work")));
    // the kind of these two is left out: Uncategorized on WASI, a specific kind natively
    println!("remove_dir non-empty: {}", kind(fs::remove_dir("work/nested")).split(' ').next().unwrap());
    println!("create_new existing: {}",
             kind(OpenOptions::new().write(true).create_new(true).open("work/hello.txt").map(|_| ())));
    println!("read_dir on a file: {}",
             kind(fs::read_dir("work/hello.txt").map(|_| ())).split(' ').next().unwrap());
    let e = fs::read("nowhere/x").unwrap_err();
    println!("not found is NotFound: {}", e.kind() == ErrorKind::NotFound);

    println!("== remove_dir_all");
    for i in 0..50 {
        fs::write(format!("work/nested/many{:02}", i), "x")?;
    }
    fs::remove_dir_all("work")?;
    println!("work exists after remove_dir_all: {}", Path::new("work").exists());
    println!("listing .: {:?}", listing(".")?);
    Ok(())
}

fn main() {
    if let Err(e) = run() {
        println!("error: {} ({:?})", e, e.kind());
        std::process::exit(1);
    }
    println!("done");
}
