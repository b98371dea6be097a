// Typed stanzas (RFC 6120 §8, RFC 6121): every header of include/xmpp/stanza/ in one include.
#pragma once

#include "xmpp/stanza/iq.hpp"
#include "xmpp/stanza/kind.hpp"
#include "xmpp/stanza/message.hpp"
#include "xmpp/stanza/namespaces.hpp"
#include "xmpp/stanza/presence.hpp"
#include "xmpp/stanza/stanza_error.hpp"
#include "xmpp/stanza/stanza_view.hpp"
