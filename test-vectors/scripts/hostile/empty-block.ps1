Get-Date
# SIG # Begin signature block
# SIG # End signature block
