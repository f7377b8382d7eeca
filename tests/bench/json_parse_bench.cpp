// Parse-only figures for tests/bench/bench_parse.sh: the CPU time of
// oci::parse_json, of oci::dump of its result, and of nlohmann's own DOM
// parser into nlohmann::json (the reference), on one file, each the median
// of RUNS runs (freeing a document is outside every timing).
//
// Usage: json_parse_bench FILE [RUNS]
// Prints one line: "parse_us dump_us nlohmann_us out_bytes", or exits 1 with
// the parser's message when FILE is refused.
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "hook/error.hpp"
#include "oci/json_io.hpp"
#include "oci/json_parse.hpp"

namespace {

long long cpu_us() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<long long>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

long long median(std::vector<long long> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2 || argc > 3) {
        std::fprintf(stderr, "usage: json_parse_bench FILE [RUNS]\n");
        return 2;
    }
    int runs = argc == 3 ? std::atoi(argv[2]) : 3;
    if (runs < 1) runs = 1;
    try {
        const std::string text = oci::read_file_bounded(argv[1]);
        std::vector<long long> parse, dump, reference;
        std::size_t out_bytes = 0;
        for (int i = 0; i < runs; ++i) {
            long long t0 = cpu_us();
            oci::Json doc = oci::parse_json(text, argv[1]);
            long long t1 = cpu_us();
            out_bytes = oci::dump(doc).size();
            long long t2 = cpu_us();
            parse.push_back(t1 - t0);
            dump.push_back(t2 - t1);
        }
        for (int i = 0; i < runs; ++i) {
            long long t0 = cpu_us();
            // nlohmann::json (objects are std::map), not ordered_json:
            // ordered_json's insert makes k keys cost O(k^2).
            nlohmann::json doc = nlohmann::json::parse(text);
            reference.push_back(cpu_us() - t0);
        }
        std::printf("%lld %lld %lld %zu\n", median(parse), median(dump), median(reference), out_bytes);
    } catch (const agenthook::HookError& e) {
        std::fprintf(stderr, "%s\n", e.what());
        return 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s\n", e.what());
        return 1;
    }
    return 0;
}
