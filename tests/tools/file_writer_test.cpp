// graph/file_writer: every file ssdx writes is complete or absent; failed writes are one-line errors.
#include "graph/file_writer.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "graph/tensor_io.h"
#include "tests/tools/cli_runner.h"

namespace ssdx::test {
namespace {

std::string error_of_writing(const std::string& path, const std::string& bytes) {
  try {
    write_file_bytes(path, bytes);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(FileWriter, ReplacesWholeKeepingPermissionsAndFollowingLinks) {
  const std::string dir = temp_dir();
  write_file_bytes(dir + "/a.txt", "old contents");
  chmod((dir + "/a.txt").c_str(), 0600);
  write_file_bytes(dir + "/a.txt", "new");
  EXPECT_EQ(read_file_bytes(dir + "/a.txt"), "new");
  struct stat st;
  ASSERT_EQ(stat((dir + "/a.txt").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(symlink("a.txt", (dir + "/link").c_str()), 0);
  write_file_bytes(dir + "/link", "through the link");
  EXPECT_EQ(read_file_bytes(dir + "/a.txt"), "through the link");
  ASSERT_EQ(lstat((dir + "/link").c_str(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  EXPECT_EQ(files_in(dir), (std::vector<std::string>{"a.txt", "link"}));
}

TEST(FileWriter, FailuresNameThePathAndLeaveNothing) {
  const std::string dir = temp_dir();
  EXPECT_NE(error_of_writing("/dev/full", "x").find("/dev/full: write error: No space left on device"),
            std::string::npos);
  EXPECT_EQ(error_of_writing("/dev/null", "x"), "(no error)");  // devices are written in place, never replaced
  EXPECT_NE(error_of_writing(dir + "/gone/a.txt", "x").find("gone/a.txt: cannot create file"), std::string::npos);
  EXPECT_NE(error_of_writing(dir, "x").find("is a folder"), std::string::npos);
  EXPECT_THROW(check_can_create(dir + "/gone/b.txt"), Error);
  check_can_create(dir + "/c.txt");  // creates nothing
  check_can_create("/dev/null");      // nor does it next to a device
  EXPECT_TRUE(files_in(dir).empty());
}

// make-model under a file size limit: its model (80 MB at this size) cannot be written; nothing is left.
TEST(FileWriter, CliLeavesNoPartialFileOverAFileSizeLimit) {
  const std::string dir = temp_dir();
  const CommandResult r = run_command("make-model " + dir + "/m.onnx --size 385", "ulimit -f 1024;");
  expect_one_line_error(r, "m.onnx: write error: File too large");
  EXPECT_TRUE(files_in(dir).empty());
}

}  // namespace
}  // namespace ssdx::test
