#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| madoguchi_fuzz::core_harness::form_answers(data));
