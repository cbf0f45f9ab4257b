#!/usr/bin/perl
# bench/report.pl: the bench's one table, its JSON, and comparisons of two runs.
#
#   report.pl json ROWS.tsv [KEY=VALUE...] >RUN.json   rows + hyperfine JSON -> one JSON
#   report.pl table RUN.json                           that JSON as the table (Markdown)
#   report.pl compare OLD.json NEW.json                what got faster or slower
#   report.pl merge ROUND.json... >ID.json             hyperfine rounds -> one result
#
# Perl with core modules only (JSON::PP), because perl is already among
# make deps' packages: the formatter is tested by make test
# (tests/cli/t9000-bench-harness.t) on a machine that has no bench peers.
# The rows' format is described in bench/lib.sh.
use strict;
use warnings;
use utf8;
use JSON::PP;
use List::Util qw(max);

binmode STDOUT, ':encoding(UTF-8)';
my $json = JSON::PP->new->canonical->pretty;

sub slurp_json {
	my ($file) = @_;
	open my $fh, '<:raw', $file or die "report: $file: $!\n";
	local $/;
	my $text = <$fh>;
	return JSON::PP->new->utf8->decode($text);
}

# One value from its source string (see bench/lib.sh).  Times in hyperfine's
# JSON are seconds; a row whose unit is ms gets milliseconds.
my %hf_cache;
sub value_of {
	my ($src, $unit) = @_;
	return undef if !defined $src || $src eq '-' || $src eq '';
	return { status => 'not yet landed' } if $src eq 'nyl';
	if ($src =~ /^(missing|failed|skipped):?\s*(.*)$/) {
		return { status => $1, reason => $2 };
	}
	if ($src =~ /^num:(.*)$/) {
		return { status => 'ok', median => $1 + 0 };
	}
	if ($src =~ /^hf:(.*):([^:]*)$/) {
		my ($file, $name) = ($1, $2);
		my $doc = $hf_cache{$file} //= eval { slurp_json($file) };
		return { status => 'failed', reason => "no hyperfine result in $file" } unless $doc;
		my ($r) = grep { $_->{command} eq $name } @{ $doc->{results} || [] };
		return { status => 'failed', reason => "no command '$name' in $file" } unless $r;
		my $scale = $unit eq 'ms' ? 1000 : $unit eq 's' ? 1 : $unit eq 'us' ? 1e6 : 1000;
		my @times = sort { $a <=> $b } @{ $r->{times} || [] };
		my $median = $r->{median};
		if (!defined $median && @times) {    # hyperfine before 1.12 had no median
			my $n = @times;
			$median = $n % 2 ? $times[ $n / 2 ] : ($times[ $n / 2 - 1 ] + $times[ $n / 2 ]) / 2;
		}
		return {
			status => 'ok',
			median => $median * $scale,
			mean   => $r->{mean} * $scale,
			stddev => defined $r->{stddev} ? $r->{stddev} * $scale : undef,
			min    => $r->{min} * $scale,
			max    => $r->{max} * $scale,
			runs   => scalar @times,
		};
	}
	return { status => 'failed', reason => "bad source '$src'" };
}

sub ok { my ($v) = @_; return $v && $v->{status} eq 'ok' && defined $v->{median} }

# The target as a reader sees it, and whether it holds (1, 0, or undef when
# it cannot be judged: no target, or a value that was not measured).
my %sym = (le => "\x{2264}", ge => "\x{2265}");
sub judge {
	my ($spec, $unit, $berth, $ratio) = @_;
	return ('—', undef) if !defined $spec || $spec eq '-' || $spec eq '';
	my (@text, $holds, $unknown);
	$holds = 1;
	for my $part (split /,/, $spec) {
		my ($kind, $lim) = split /:/, $part, 2;
		die "report: bad target '$part'\n" unless defined $lim && $kind =~ /^(ratio_)?(le|ge)$/;
		my ($is_ratio, $op) = ($1, $2);
		my $v = $is_ratio ? $ratio : ok($berth) ? $berth->{median} : undef;
		push @text, $is_ratio ? "$sym{$op} ${lim}x" : "$sym{$op} " . fmt_limit($lim, $unit);
		if (!defined $v) { $unknown = 1; next }
		my $pass = $op eq 'le' ? $v <= $lim : $v >= $lim;
		$holds = 0 unless $pass;
	}
	# A part that fails decides; otherwise an unmeasured part leaves it open.
	return (join(', ', @text), $holds == 0 ? 0 : $unknown ? undef : 1);
}

# A limit as its issue wrote it: 15 ms, not 15.0 ms.
sub fmt_limit {
	my ($v, $unit) = @_;
	return ($v / 1000) . ' s' if $unit eq 'ms' && $v >= 1000;
	return "$v $unit";
}

sub fmt_num {
	my ($v) = @_;
	my $a = abs $v;
	return sprintf('%.2f', $v) if $a < 10;
	return sprintf('%.1f', $v) if $a < 100;
	return sprintf('%.0f', $v);
}

sub fmt_value {
	my ($v, $unit) = @_;
	return fmt_num($v / 1000) . ' s' if $unit eq 'ms' && abs($v) >= 1000;
	return fmt_num($v) . " $unit";
}

sub cmd_json {
	my ($rows, @kv) = @_;
	my %meta = map { /^([^=]+)=(.*)$/ ? ($1, $2) : () } @kv;
	my @metrics;
	my %seen;
	open my $fh, '<:encoding(UTF-8)', $rows or die "report: $rows: $!\n";
	while (my $line = <$fh>) {
		chomp $line;
		next if $line =~ /^\s*(#|$)/;
		my ($id, $issue, $label, $unit, $better, $bsrc, $peer, $psrc, $target) = split /\t/, $line, -1;
		die "report: $rows:$.: expected 9 tab-separated fields\n" unless defined $target;
		die "report: $rows:$.: metric id '$id' appears twice\n" if $seen{$id}++;
		my $b = value_of($bsrc, $unit);
		my $p = $peer ne '-' ? value_of($psrc, $unit) : undef;
		my $ratio = ok($b) && ok($p) && $p->{median} > 0 ? $b->{median} / $p->{median} : undef;
		my ($ttext, $holds) = judge($target, $unit, $b, $ratio);
		push @metrics, {
			id          => $id,
			issue       => $issue eq '-' ? undef : $issue + 0,
			label       => $label,
			unit        => $unit,
			better      => $better,
			berth       => $b,
			peer        => $peer eq '-' ? undef : { name => $peer, %{ $p || { status => 'failed' } } },
			ratio       => defined $ratio ? 0 + sprintf('%.4g', $ratio) : undef,
			target      => $ttext,
			target_spec => $target eq '-' ? undef : $target,
			holds       => defined $holds ? ($holds ? JSON::PP::true : JSON::PP::false) : undef,
		};
	}
	my %machine = map { my $k = $_; $k =~ s/^machine\.//; ($k => $meta{$_}) } grep { /^machine\./ } keys %meta;
	my %top = map { ($_ => $meta{$_}) } grep { !/^machine\./ } keys %meta;
	$top{quick} = ($top{quick} // 0) ? JSON::PP::true : JSON::PP::false;
	print $json->encode({ schema => 1, %top, machine => \%machine, metrics => \@metrics });
}

# A cell for a value; a reason too long for a cell becomes a numbered note.
sub cell {
	my ($v, $unit, $notes, $who) = @_;
	return '—' unless $v;
	return fmt_value($v->{median}, $unit) if ok($v);
	return 'not yet landed' if $v->{status} eq 'not yet landed';
	my $reason = $v->{reason} // '';
	return $v->{status} if $reason eq '';
	# The same reason on two rows (berth's side of a row with two peers)
	# is one note.
	my $text = "$who: $v->{status}: $reason";
	my ($n) = grep { $notes->[$_] eq $text } 0 .. $#$notes;
	if (!defined $n) {
		push @$notes, $text;
		$n = $#$notes;
	}
	return "$v->{status} [" . ($n + 1) . "]";
}

sub cmd_table {
	my ($file) = @_;
	my $doc = slurp_json($file);
	my @notes;
	my @head = ('metric', 'berth', 'peer', 'peer median', 'ratio', 'target', 'holds');
	my @rows;
	for my $m (@{ $doc->{metrics} }) {
		my $p = $m->{peer};
		my $holds = !defined $m->{holds} ? '—' : $m->{holds} ? 'yes' : 'no';
		my $label = $m->{label};
		push @rows, [
			$label,
			cell($m->{berth}, $m->{unit}, \@notes, "$label, berth"),
			$p ? $p->{name} : '—',
			$p ? cell($p, $m->{unit}, \@notes, "$label, $p->{name}") : '—',
			defined $m->{ratio} ? sprintf('%.3g', $m->{ratio}) . 'x' : '—',
			$m->{target} . (defined $m->{issue} && $m->{target} ne '—' ? " (#$m->{issue})" : ''),
			$holds,
		];
	}
	my @w = map { my $i = $_; max(map { length $_->[$i] } \@head, @rows) } 0 .. $#head;
	my $line = sub { '| ' . join(' | ', map { sprintf('%-*s', $w[$_], $_[0][$_]) } 0 .. $#head) . " |\n" };
	print $line->(\@head);
	print '|' . join('|', map { '-' x ($_ + 2) } @w) . "|\n";
	print $line->($_) for @rows;
	if (@notes) {
		print "\n";
		printf "[%d] %s\n", $_ + 1, $notes[$_] for 0 .. $#notes;
	}
	my $mc = $doc->{machine} || {};
	my $when = $doc->{timestamp} // '?';
	printf "\n%s run of %s at commit %s on %s (%s cores), Linux %s%s%s.\n",
		$doc->{quick} ? 'Quick' : 'Full', $when, $doc->{commit} // '?', $mc->{cpu} // '?',
		$mc->{cores} // '?', $mc->{kernel} // '?',
		$doc->{storage} ? "; state and scratch on $doc->{storage}" : '',
		defined $mc->{loadavg} ? "; load average $mc->{loadavg} at the start" : '';
	print $doc->{quick}
		? "A quick run: medians of 10 runs for fast commands, one run of each slow one (a rough figure); ratio = berth / peer.\n"
		: "Medians of hyperfine runs interleaved in rounds (10 to 20 a command); ratio = berth / peer.\n";
}

sub cmd_compare {
	my ($old_file, $new_file) = @_;
	my ($old, $new) = (slurp_json($old_file), slurp_json($new_file));
	my %old = map { ($_->{id} => $_) } @{ $old->{metrics} };
	my @head = ('metric', 'before', 'after', 'change', '');
	my @rows;
	my ($faster, $slower) = (0, 0);
	for my $m (@{ $new->{metrics} }) {
		my $o = $old{ $m->{id} } or next;
		for my $side ('berth', 'peer') {
			my ($a, $b) = ($o->{$side}, $m->{$side});
			next unless ok($a) && ok($b) && $a->{median} > 0;
			next if $side eq 'peer' && ($a->{name} // '') ne ($b->{name} // '');
			my $change = $b->{median} / $a->{median} - 1;
			# Shared machines are noisy: within 5% is no change.
			my $better = ($m->{better} // 'lower') eq 'higher' ? $change > 0 : $change < 0;
			my $verdict = abs($change) < 0.05 ? 'same' : $better ? 'better' : 'worse';
			$verdict = { better => 'faster', worse => 'slower' }->{$verdict} // $verdict if $m->{unit} =~ /^(ms|s|us)$/;
			$faster++ if $verdict =~ /^(faster|better)$/;
			$slower++ if $verdict =~ /^(slower|worse)$/;
			push @rows, [
				$side eq 'berth' ? $m->{label} : "  $m->{label} ($b->{name})",
				fmt_value($a->{median}, $m->{unit}),
				fmt_value($b->{median}, $m->{unit}),
				sprintf('%+.1f%%', 100 * $change),
				$verdict,
			];
		}
	}
	my @w = map { my $i = $_; max(map { length $_->[$i] } \@head, @rows) } 0 .. $#head;
	my $line = sub { '| ' . join(' | ', map { sprintf('%-*s', $w[$_], $_[0][$_]) } 0 .. $#head) . " |\n" };
	printf "%s (%s) -> %s (%s)\n\n", $old_file, $old->{timestamp} // '?', $new_file, $new->{timestamp} // '?';
	print $line->(\@head);
	print '|' . join('|', map { '-' x ($_ + 2) } @w) . "|\n";
	print $line->($_) for @rows;
	printf "\n%d better, %d worse, the rest within 5%% (noise on a shared machine).\n", $faster, $slower;
}

# Rounds of hyperfine (see hf in bench/lib.sh) merged into one result per
# command, in hyperfine's own JSON shape, with the statistics recomputed
# over all the runs.
sub cmd_merge {
	my (@files) = @_;
	my (@order, %acc);
	for my $f (@files) {
		for my $r (@{ slurp_json($f)->{results} || [] }) {
			my $n = $r->{command};
			push @order, $n unless $acc{$n};
			my $c = $acc{$n} //= { times => [], exit_codes => [], user => 0, system => 0 };
			my $k = @{ $r->{times} || [] };
			push @{ $c->{times} }, @{ $r->{times} || [] };
			push @{ $c->{exit_codes} }, @{ $r->{exit_codes} || [] };
			$c->{user} += ($r->{user} // 0) * $k;
			$c->{system} += ($r->{system} // 0) * $k;
		}
	}
	my @out;
	for my $n (@order) {
		my $c = $acc{$n};
		my @t = @{ $c->{times} };
		my $k = @t or next;
		my @s = sort { $a <=> $b } @t;
		my $mean = 0;
		$mean += $_ / $k for @t;
		my $var = 0;
		$var += ($_ - $mean)**2 for @t;
		push @out, {
			command    => $n,
			mean       => $mean,
			stddev     => $k > 1 ? sqrt($var / ($k - 1)) : 0,
			median     => $k % 2 ? $s[ $k / 2 ] : ($s[ $k / 2 - 1 ] + $s[ $k / 2 ]) / 2,
			user       => $c->{user} / $k,
			system     => $c->{system} / $k,
			min        => $s[0],
			max        => $s[-1],
			times      => \@t,
			exit_codes => $c->{exit_codes},
		};
	}
	print $json->encode({ results => \@out, rounds => scalar @files });
}

my $cmd = shift @ARGV // '';
if ($cmd eq 'merge' && @ARGV >= 1) {
	cmd_merge(@ARGV);
} elsif ($cmd eq 'json' && @ARGV >= 1) {
	cmd_json(@ARGV);
} elsif ($cmd eq 'table' && @ARGV == 1) {
	cmd_table(@ARGV);
} elsif ($cmd eq 'compare' && @ARGV == 2) {
	cmd_compare(@ARGV);
} else {
	print STDERR "usage: report.pl json ROWS.tsv [KEY=VALUE...] | table RUN.json | compare OLD.json NEW.json | merge ROUND.json...\n";
	exit 2;
}
