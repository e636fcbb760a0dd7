// The linked library's version (the header's macros say which headers were compiled against).
#include "ssdx/version.h"

namespace ssdx::api {

const char* version() { return SSDX_VERSION_STRING; }

}  // namespace ssdx::api
