// The one way the core includes Eigen: with assertions that throw.
#pragma once

#include "clv/assertions.hpp"

#include <Eigen/Dense>
