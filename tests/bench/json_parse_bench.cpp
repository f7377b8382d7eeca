// Parse-only figures for tests/bench/bench_parse.sh: the CPU time of
// oci::parse_json on one file, of oci::dump of its result, and of
// nlohmann's own DOM parser into nlohmann::json (the reference), one run
// each in a fresh process, parse_json first, as the hook runs it (freeing a
// document is outside every timing).
//
// Usage: json_parse_bench FILE
// Prints one line: "parse_us dump_us nlohmann_us out_bytes", or exits 1 with
// the parser's message when FILE is refused.
#include <time.h>

#include <cstdio>
#include <string>

#include "hook/error.hpp"
#include "oci/json_io.hpp"
#include "oci/json_parse.hpp"

namespace {

long long cpu_us() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<long long>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: json_parse_bench FILE\n");
        return 2;
    }
    try {
        const std::string text = oci::read_file_bounded(argv[1]);
        long long parse = 0, dump = -1, reference = 0;  // dump -1: the parse refused the input
        std::size_t out_bytes = 0;
        {
            long long t0 = cpu_us();
            oci::Json doc;
            bool refused = false;
            try {
                doc = oci::parse_json(text, argv[1]);
            } catch (const agenthook::HookError& e) {
                refused = true;  // kMaxJsonValues, say: how fast it says no is the figure
                std::fprintf(stderr, "%s\n", e.what());
            }
            long long t1 = cpu_us();
            parse = t1 - t0;
            if (!refused) {
                out_bytes = oci::dump(doc).size();
                dump = cpu_us() - t1;
            }
        }
        {
            long long t0 = cpu_us();
            // nlohmann::json (objects are std::map), not ordered_json:
            // ordered_json's insert makes k keys cost O(k^2).
            nlohmann::json doc = nlohmann::json::parse(text);
            reference = cpu_us() - t0;
        }
        std::printf("%lld %lld %lld %zu\n", parse, dump, reference, out_bytes);
    } catch (const agenthook::HookError& e) {
        std::fprintf(stderr, "%s\n", e.what());
        return 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s\n", e.what());
        return 1;
    }
    return 0;
}
