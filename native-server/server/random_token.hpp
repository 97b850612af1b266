#pragma once
// Unguessable ids and owner tokens, and the hash under which a token is stored.
#include <string>

namespace strider::server {

// 128 bits from the kernel's random source (getrandom), as 32 lowercase hex digits.
std::string random_hex128();

// SHA-256 of text, as 64 lowercase hex digits (OpenSSL).
std::string sha256_hex(const std::string& text);

// True for 32 to 128 lowercase hex digits: the shape of an id or a token.
bool is_hex_token(const std::string& text, std::size_t min_digits = 32, std::size_t max_digits = 128);

}  // namespace strider::server
