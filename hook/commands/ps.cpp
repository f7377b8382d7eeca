// ps: the running containers hook mode recorded (hook/records.hpp).
#include <ctime>

#include "../../oci/json_io.hpp"
#include "../records.hpp"
#include "command.hpp"

namespace agenthook {

int run_ps(const Context& ctx) {
    std::vector<Record> records = live_records(state_dir_for(ctx), ctx.log);
    const std::time_t now = std::time(nullptr);
    if (ctx.options.format == "json") ctx.out << oci::dump(format_ps_json(records, now)) << "\n";
    else ctx.out << format_ps_text(records, now);
    ctx.out.flush();
    if (!ctx.out) throw HookError("write", "stdout", "write failed");
    return 0;
}

}  // namespace agenthook
