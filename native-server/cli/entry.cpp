// The entry point of `strider` and `strider-torch` (the commands live in the strider_cli library).
#include "commands.hpp"

int main(int argc, char** argv) { return strider::cli::main(argc, argv); }
