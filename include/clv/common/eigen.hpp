// The one way the core includes Eigen: with assertions that throw.
#pragma once

#include "clv/common/assertions.hpp"

#include <Eigen/Dense>
