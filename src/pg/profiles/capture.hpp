// Change capture of profile sources (capture.cpp), and the text settings it
// shares with the refresh.
#pragma once

namespace clv_pg::profiles {

// Settings the text form of a value depends on, at fixed values (shortest
// exact floats, ISO dates, ...), so that the keys the capture writes under a
// writer's settings are the keys a refresh reads under a caller's. TimeZone
// only in the capture: the refresh cuts periods in the session's time zone,
// and a timestamp with its ISO offset reads the same in any.
void pin_text_settings(bool with_time_zone);

}  // namespace clv_pg::profiles
