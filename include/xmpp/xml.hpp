// Everything of the XML layer: parser, element tree, builder and writer.
#pragma once

#include "xmpp/stream_error.hpp"
#include "xmpp/xml/arena.hpp"
#include "xmpp/xml/builder.hpp"
#include "xmpp/xml/element.hpp"
#include "xmpp/xml/limits.hpp"
#include "xmpp/xml/stream_parser.hpp"
#include "xmpp/xml/writer.hpp"
