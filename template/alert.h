// Forwarding header: alert template expansion lives in template/expand.h
// (ExpandAlertText, CheckSyntax, AlertData). Kept because callers include
// either name. Thread-safe like expand.h.
#pragma once

#include "template/expand.h"
