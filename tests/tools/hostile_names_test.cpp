// Names and values a hostile model controls: output names must never choose where `ssdx run` writes, names must never
// forge lines or send escape sequences to the terminal, and integer arithmetic must never trap. Each model is built
// here and run through the real binary.
#include <dirent.h>

#include <climits>
#include <set>

#include "graph/onnx_builder.h"
#include "graph/onnx_parser.h"
#include "graph/printable.h"
#include "tests/test_util.h"
#include "tests/tools/cli_runner.h"
#include "graph/json.h"
#include "tools/output_file_name.h"

namespace ssdx::test {
namespace {

std::set<std::string> files_in(const std::string& dir) {
  std::set<std::string> names;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d))
      if (std::string(e->d_name) != "." && std::string(e->d_name) != "..") names.insert(e->d_name);
    closedir(d);
  }
  return names;
}

TEST(HostileNames, PrintableEscapesControlBytesAndInvalidUtf8) {
  EXPECT_EQ(printable("conv_1/weight:0"), "conv_1/weight:0");
  EXPECT_EQ(printable("a\nssdx: ok\x1b[2J"), "a\\x0assdx: ok\\x1b[2J");
  EXPECT_EQ(printable("tab\there\x7f"), "tab\\x09here\\x7f");
  EXPECT_EQ(printable("back\\slash"), "back\\x5cslash");
  EXPECT_EQ(printable("caf\xc3\xa9 \xe2\x9c\x93"), "caf\xc3\xa9 \xe2\x9c\x93");        // UTF-8 stays
  EXPECT_EQ(printable("\xc2\x9b" "31m"), "\\xc2\\x9b31m");                             // C1 CSI
  EXPECT_EQ(printable("\xff\xc3(\xe2\x82"), "\\xff\\xc3(\\xe2\\x82");                  // invalid, truncated
  EXPECT_EQ(printable("\xc0\xaf"), "\\xc0\\xaf");                                      // overlong '/'
  EXPECT_EQ(printable(std::string("nul\0byte", 8)), "nul\\x00byte");
  EXPECT_EQ(printable_capped("abcdefgh", 5), "abcde ... (3 more bytes)");
  EXPECT_EQ(printable_capped("ab\ncd", 4), "ab ... (3 more bytes)");  // an escape is never cut in half
}

TEST(HostileNames, JsonQuoteAlwaysGivesValidJson) {
  EXPECT_EQ(json_quote("a\"b\\c\nd\x7f"), "\"a\\\"b\\\\c\\u000ad\\u007f\"");
  EXPECT_EQ(json_quote("caf\xc3\xa9"), "\"caf\xc3\xa9\"");
  EXPECT_EQ(json_quote("\xff\xfe"), "\"\\u00ff\\u00fe\"");
  EXPECT_EQ(json_quote("\xc2\x85"), "\"\\u0085\"");
}

TEST(HostileNames, OutputFileNamesAreEncoded) {
  using cli::output_file_name;
  EXPECT_EQ(output_file_name("scores", 0), "scores.pb");
  EXPECT_EQ(output_file_name("det.boxes-1_x", 0), "det.boxes-1_x.pb");
  EXPECT_EQ(output_file_name("../pwned.txt", 0), "%2E.%2Fpwned.txt.pb");
  EXPECT_EQ(output_file_name(std::string("a\0b", 3), 0), "a%00b.pb");
  EXPECT_EQ(output_file_name(".", 0), "%2E.pb");
  EXPECT_EQ(output_file_name("..", 0), "%2E..pb");
  EXPECT_EQ(output_file_name("", 3), "%.pb");
  EXPECT_EQ(output_file_name("50%", 0), "50%25.pb");
  const std::string long_name(300, 'a');
  EXPECT_EQ(output_file_name(long_name, 7), std::string(200, 'a') + "~7.pb");
  std::string slashes;  // 66 escapes fill 198 bytes; the 67th would pass 200
  for (int i = 0; i < 66; ++i) slashes += "%2F";
  EXPECT_EQ(output_file_name(std::string(100, '/'), 2), slashes + "~2.pb");
}

// Outputs whose names try to leave --output-dir: each lands inside it under its encoded name, and nothing else is
// written anywhere.
TEST(HostileNames, OutputNamesNeverChooseThePath) {
  const std::string dir = temp_dir();
  const std::vector<std::string> names = {std::string("../pwned.txt\0", 13), "../../../../tmp/ssdx_pwned", "a\nb", ".",
                                          "..", "sub/dir", "%41"};
  ModelBuilder b(13);
  b.add_input("x", DataType::Float, {2});
  for (const std::string& n : names) {
    b.add_node("Identity", {"x"}, {n});
    b.add_output(n, DataType::Float, {2});
  }
  b.save(dir + "/m.onnx");
  const CommandResult r = run_command("run " + dir + "/m.onnx --random-inputs --output-dir " + dir + "/out");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::set<std::string> expected;
  for (size_t i = 0; i < names.size(); ++i) expected.insert(cli::output_file_name(names[i], i));
  EXPECT_EQ(files_in(dir + "/out"), expected);
  EXPECT_EQ(files_in(dir), (std::set<std::string>{"m.onnx", "out"}));
  EXPECT_EQ(access("/tmp/ssdx_pwned.pb", F_OK), -1);
  // The summary line of the output named "a\nb" stays one line.
  EXPECT_EQ(count_of(r.out, "a\\x0ab: float32"), 1u) << r.out;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), static_cast<long>(names.size()) + 1) << r.out;
}

// A value name that tries to forge a second line, clear the screen and set the terminal title.
TEST(HostileNames, ErrorsAreOneEscapedLine) {
  const std::string dir = temp_dir();
  const std::string evil = "a\nssdx: ok, model verified\x1b[2J\x1b]0;pwned\x07";
  ModelBuilder b(13);
  b.add_input("x", DataType::Float, {2});
  b.add_node("Frobnicate", {"x"}, {evil}, {}, evil);
  b.add_output(evil, DataType::Float, {2});
  b.save(dir + "/m.onnx");
  const CommandResult r = run_command("run " + dir + "/m.onnx --random-inputs");
  expect_one_line_error(r, "1 unsupported op");
  EXPECT_EQ(r.err.find('\x1b'), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find('\x07'), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("a\\x0assdx: ok, model verified\\x1b[2J"), std::string::npos) << r.err;
  // inspect prints the model's names on stdout: escaped too.
  const CommandResult i = run_command("inspect " + dir + "/m.onnx");
  EXPECT_EQ(i.out.find('\x1b'), std::string::npos) << i.out;
  EXPECT_EQ(count_of(i.out, "ssdx: ok"), count_of(i.out, "a\\x0assdx: ok")) << i.out;
}

// 600 unsupported ops of three types (a torchvision export has hundreds): one short line, summarised by op type.
TEST(HostileNames, ManyUnsupportedOpsAreSummarisedByType) {
  const std::string dir = temp_dir();
  ModelBuilder b(13);
  b.add_input("x", DataType::Float, {2});
  std::string prev = "x";
  for (int i = 0; i < 600; ++i) {
    const std::string out = "v" + std::to_string(i);
    b.add_node(i % 3 == 0 ? "Frobnicate" : i % 3 == 1 ? "Zorch" : "Quux", {prev}, {out}, {}, "node_" + std::to_string(i));
    prev = out;
  }
  b.add_output(prev, DataType::Float, {2});
  b.save(dir + "/m.onnx");
  const CommandResult r = run_command("run " + dir + "/m.onnx --random-inputs");
  expect_one_line_error(r, "600 unsupported ops of 3 types");
  EXPECT_NE(r.err.find("Frobnicate (domain 'ai.onnx', opset 13) x200 in nodes 'node_0', 'node_3', 'node_6' and 197 more"),
            std::string::npos) << r.err;
  EXPECT_LT(r.err.size(), 600u) << r.err;
}

// Div(INT64_MIN, -1) traps in idiv (SIGFPE) unless computed as ONNX says (it wraps to INT64_MIN): at load, through
// constant folding, in `inspect --plan`, and at run time.
TEST(HostileNames, IntegerDivisionOfTheMinimumByMinusOneDoesNotTrap) {
  const std::string dir = temp_dir();
  {
    ModelBuilder b(13);
    b.add_initializer("a", make_tensor<int64_t>({1}, {INT64_MIN}));
    b.add_initializer("b", make_tensor<int64_t>({1}, {-1}));
    b.add_node("Div", {"a", "b"}, {"y"});
    b.add_output("y", DataType::Int64, {1});
    b.save(dir + "/folded.onnx");
  }
  const CommandResult run = run_command("run " + dir + "/folded.onnx");
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("y: int64 [1] [-9223372036854775808]"), std::string::npos) << run.out;
  const CommandResult plan = run_command("inspect " + dir + "/folded.onnx --plan");
  EXPECT_EQ(plan.exit_code, 0) << plan.err;
  {
    ModelBuilder b(13);
    b.add_input("a", DataType::Int32, {2});
    b.add_initializer("b", make_tensor<int32_t>({2}, {-1, -1}));
    b.add_node("Div", {"a", "b"}, {"y"});
    b.add_output("y", DataType::Int32, {2});
    b.save(dir + "/runtime.onnx");
  }
  save_tensor_pb(make_tensor<int32_t>({2}, {INT32_MIN, 7}), "a", dir + "/a.pb");
  const CommandResult rt = run_command("run " + dir + "/runtime.onnx --input a=" + dir + "/a.pb");
  EXPECT_EQ(rt.exit_code, 0) << rt.err;
  EXPECT_NE(rt.out.find("y: int32 [2] [-2147483648, -7]"), std::string::npos) << rt.out;
}

TEST(HostileNames, AnInputGivenTwiceIsRefused) {
  const std::string dir = temp_dir();
  ModelBuilder b(13);
  b.add_input("x", DataType::Float, {2});
  b.add_node("Relu", {"x"}, {"y"});
  b.add_output("y", DataType::Float, {2});
  b.save(dir + "/m.onnx");
  save_tensor_pb(make_tensor<float>({2}, {1, 2}), "x", dir + "/a.pb");
  save_tensor_pb(make_tensor<float>({2}, {3, 4}), "x", dir + "/b.pb");
  expect_one_line_error(run_command("run " + dir + "/m.onnx --input x=" + dir + "/a.pb --input x=" + dir + "/b.pb"),
                        "--input 'x' is given twice");
}

}  // namespace
}  // namespace ssdx::test
