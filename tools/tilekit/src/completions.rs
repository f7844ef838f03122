//! `tilekit completions SHELL`: the shell's completion script on stdout.
//!
//! ```sh
//! tilekit completions bash > ~/.local/share/bash-completion/completions/tilekit
//! tilekit completions zsh > ~/.zfunc/_tilekit     # with `fpath+=~/.zfunc` in .zshrc
//! tilekit completions fish > ~/.config/fish/completions/tilekit.fish
//! ```

use std::io::Write as _;

use crate::exit::Exit;

/// Options of `tilekit completions`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The shell: bash, zsh, fish, elvish or powershell.
    shell: clap_complete::Shell,
}

/// Prints the script (a closed stdout — `| head` — is not an error).
pub fn run(args: &Args, cmd: &mut clap::Command) -> Exit {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, cmd, "tilekit", &mut script);
    match std::io::stdout().write_all(&script) {
        Ok(()) => Exit::Success,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Exit::Success,
        Err(e) => {
            eprintln!("error: writing the completion script: {e}");
            Exit::Failed
        }
    }
}
