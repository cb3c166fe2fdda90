import FuzzSupport

// libFuzzer's driver, calling the LLVMFuzzerTestOneInput this target exports.
runLibFuzzer { data, size in fuzz(data ?? emptyInput, size) }
