#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| madoguchi_fuzz::guide_harness::faq_csv(data));
