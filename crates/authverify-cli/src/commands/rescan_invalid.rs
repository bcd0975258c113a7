//! `authverify rescan-invalid DIR`: quarantined files verified again and, with
//! `--restore`, put back ([`authverify_fleet::rescan`]).

use authverify_fleet::files::FileResult;
use authverify_fleet::output::{json, rescan as printer};
use authverify_fleet::rescan::{self, Entry};
use authverify_fleet::{config, Error, Exit};

use crate::args::{Format, RescanArgs};

pub(crate) fn run(args: &RescanArgs) -> Result<Exit, Error> {
    if !args.dir.is_dir() {
        return Err(Error::NotADirectory { path: args.dir.clone() });
    }
    let options = super::verifier_options(&args.options);
    let (verifier, at) = config::build_verifier(&options, &mut std::io::stderr())?;
    let files = rescan::quarantined(&args.dir, &mut std::io::stderr())?;
    let bar = crate::progress::Progress::new(Some(files.len()), args.options.quiet);
    let done = rescan::rescan(&verifier, at, &files, args.restore, &|| bar.tick(), &|_| {});
    bar.finish();
    let (entries, results): (Vec<Entry>, Vec<FileResult>) = done.into_iter().unzip();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let written = match args.format {
        Format::Text => printer::print_text(&mut out, &entries, &results, args.restore),
        Format::Json => json::document(&mut out, "files", &entries),
        Format::Jsonl => json::lines(&mut out, &entries),
    };
    written.map_err(Error::output)?;
    Ok(Exit::of_rescan(&entries, &results, args.restore))
}
